using Azure.Data.Tables;

namespace PeerEval.Functions.Storage;

/// <summary>
/// An entity-group transaction that enforces Azure's limits itself: one partition, at most 100
/// operations, no row twice. Azurite accepts batches that break the first rule, so tests on it
/// would not catch the mistake.
/// </summary>
public sealed class EntityGroup(string partitionKey)
{
    public const int MaxOperations = 100;

    private readonly List<TableTransactionAction> _actions = [];
    private readonly HashSet<string> _rows = new(StringComparer.Ordinal);

    public string PartitionKey => partitionKey;

    public int Count => _actions.Count;

    public bool IsFull => _actions.Count == MaxOperations;

    public EntityGroup Add(TableTransactionActionType type, ITableEntity entity, Azure.ETag etag = default)
    {
        if (!string.Equals(entity.PartitionKey, partitionKey, StringComparison.Ordinal))
            throw new InvalidOperationException($"Row '{entity.RowKey}' is in partition '{entity.PartitionKey}', not '{partitionKey}'.");
        if (_actions.Count == MaxOperations)
            throw new InvalidOperationException($"An entity-group transaction holds at most {MaxOperations} operations.");
        if (!_rows.Add(entity.RowKey))
            throw new InvalidOperationException($"Row '{entity.RowKey}' appears twice in one transaction.");
        _actions.Add(new TableTransactionAction(type, entity, etag));
        return this;
    }

    /// <summary>Submits the operations; returns each one's response (its row's new ETag), in the order added.</summary>
    public async Task<IReadOnlyList<Azure.Response>> SubmitAsync(TableClient table, CancellationToken cancellationToken) =>
        _actions.Count > 0 ? (await table.SubmitTransactionAsync(_actions, cancellationToken)).Value : [];
}
