using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using PeerEval.Domain;
using PeerEval.Domain.Aggregation;
using PeerEval.Functions.Storage;
using PeerEval.Contracts;

namespace PeerEval.Functions.Aggregation;

/// <summary>
/// Report rows: partition "{service}|{yyyy-MM}" holds the month's state ("~state") and one row per
/// participant with what they contribute to it and at which participant version.
/// </summary>
public sealed class ReportRows(Storage.StorageClients storage)
{
    public const string StateRow = "~state";
    private const int MaxAttempts = 30;

    public static string PartitionKey(string serviceId, string month) => $"{serviceId}|{month}";

    /// <summary>
    /// Sets each participant's contribution to one month, all in one entity-group transaction with the
    /// month's state. A contribution written at a later participant version is never replaced by an
    /// earlier one, so redeliveries and races converge on the latest history.
    /// </summary>
    public async Task ApplyAsync(string serviceId, string month, IReadOnlyList<ParticipantState> participants, CancellationToken ct)
    {
        // One row each for the state and at most 99 participants keeps every transaction within 100 operations.
        foreach (var chunk in participants.DistinctBy(p => p.ParticipantHash).Chunk(EntityGroup.MaxOperations - 1))
            await ApplyChunkAsync(PartitionKey(serviceId, month), month, chunk, ct);
    }

    private async Task ApplyChunkAsync(string partitionKey, string month, IReadOnlyList<ParticipantState> participants, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            // The state first, then the rows: a row can then only be newer than the state we hold, and whoever
            // made it newer also changed the state's ETag, so our transaction fails and we read again. Reading
            // both at once could pair an old row with a newer state and withdraw a contribution twice.
            var stateResponse = await storage.Reports.GetEntityIfExistsAsync<TableEntity>(partitionKey, StateRow, cancellationToken: ct);
            // A participant at version 1 has never contributed before, so the first attempt adds its row
            // without reading it; should a row exist after all, the Add voids the transaction and the retry reads.
            var rowTasks = participants.Select(p => attempt == 1 && p.Version == 1
                ? Task.FromResult<NullableResponse<TableEntity>?>(null)
                : ReadAsync(partitionKey, p.ParticipantHash, ct)).ToList();
            var stateEntity = stateResponse.HasValue ? stateResponse.Value! : null;
            var state = ReportState.Parse(stateEntity is null ? null : EntityText.Read(stateEntity, "State"));

            var group = new EntityGroup(partitionKey);
            for (var i = 0; i < participants.Count; i++)
            {
                var participant = participants[i];
                var rowResponse = await rowTasks[i];
                var stored = rowResponse is { HasValue: true } ? rowResponse.Value! : null;
                if ((stored?.GetInt64("Version") ?? 0) >= participant.Version)
                    continue;
                if (stored is not null && ReadContribution(stored) is { } previous)
                    state.Withdraw(previous);
                var contribution = participant.ContributionsByMonth.GetValueOrDefault(month);
                if (contribution is not null)
                    state.Add(contribution);
                group.Add(rowResponse is null ? TableTransactionActionType.Add : TableTransactionActionType.UpsertReplace, new TableEntity(partitionKey, participant.ParticipantHash)
                {
                    ["Version"] = participant.Version,
                    // An empty contribution is kept as a marker of the version, so a stale writer cannot revive it.
                    ["Contribution"] = contribution is null ? "" : JsonSerializer.Serialize(contribution, DomainJson.Options),
                });
            }
            if (group.Count == 0)
                return;

            var newState = new TableEntity(partitionKey, StateRow);
            EntityText.Write(newState, "State", state.Serialize());
            if (stateEntity is null)
                group.Add(TableTransactionActionType.Add, newState);
            else
                group.Add(TableTransactionActionType.UpdateReplace, newState, stateEntity.ETag);
            try
            {
                await group.SubmitAsync(storage.Reports, ct);
                return;
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Another worker changed this month first: read again and redo the deltas.
                await Task.Delay(Random.Shared.Next(1, 10 * Math.Min(attempt, 10)), ct);
            }
        }
    }

    private async Task<NullableResponse<TableEntity>?> ReadAsync(string partitionKey, string rowKey, CancellationToken ct) =>
        await storage.Reports.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: ct);

    public async Task<ReportState?> ReadStateAsync(string serviceId, string month, CancellationToken ct)
    {
        var response = await storage.Reports.GetEntityIfExistsAsync<TableEntity>(PartitionKey(serviceId, month), StateRow, cancellationToken: ct);
        return response.HasValue ? ReportState.Parse(EntityText.Read(response.Value!, "State")) : null;
    }

    /// <summary>
    /// Removes a participant's own row from each month they touched, once that row holds nothing newer
    /// than the given (emptied) version; the months' states were already updated without them.
    /// </summary>
    public async Task DeleteParticipantAsync(ParticipantState emptied, CancellationToken ct)
    {
        foreach (var month in emptied.Months)
        {
            var partitionKey = PartitionKey(emptied.ServiceId, month);
            var row = await ReadAsync(partitionKey, emptied.ParticipantHash, ct);
            if (row is not { HasValue: true } || (row.Value!.GetInt64("Version") ?? 0) > emptied.Version)
                continue;
            try
            {
                await storage.Reports.DeleteEntityAsync(partitionKey, emptied.ParticipantHash, row.Value.ETag, ct);
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                // Deleted already, or rewritten by a newer version that owns it now.
            }
        }
    }

    /// <summary>Removes every report row of a service, partition by partition (rebuild starts from nothing).</summary>
    public async Task DeleteAllAsync(string serviceId, CancellationToken ct)
    {
        var rows = storage.Reports.QueryAsync<TableEntity>(
            e => e.PartitionKey.CompareTo(serviceId + "|") >= 0 && e.PartitionKey.CompareTo(serviceId + "}") < 0,
            select: ["PartitionKey", "RowKey"], cancellationToken: ct);
        EntityGroup? group = null;
        await foreach (var row in rows)
        {
            if (group is not null && (group.PartitionKey != row.PartitionKey || group.IsFull))
            {
                await group.SubmitAsync(storage.Reports, ct);
                group = null;
            }
            group ??= new EntityGroup(row.PartitionKey);
            group.Add(TableTransactionActionType.Delete, row, ETag.All);
        }
        if (group is not null)
            await group.SubmitAsync(storage.Reports, ct);
    }

    private static MonthContribution? ReadContribution(TableEntity row) =>
        row.GetString("Contribution") is { Length: > 0 } json ? JsonSerializer.Deserialize<MonthContribution>(json, DomainJson.Options) : null;
}
