using Azure;
using Azure.Data.Tables;
using PeerEval.Functions.Storage;
using PeerEval.Functions.Tests.Infrastructure;
using PeerEval.Testing;

namespace PeerEval.Functions.Tests;

/// <summary>
/// Azure's transaction rules, which the code enforces itself because Azurite does not enforce all of
/// them, and the one Azurite behaviour exactly-once aggregation relies on (a stale ETag voids the batch).
/// </summary>
public sealed class EntityGroupTests : IAsyncLifetime
{
    private TableClient _table = null!;

    public async Task InitializeAsync()
    {
        var azurite = await Azurite.InstanceAsync();
        _table = new TableServiceClient(azurite.ConnectionString).GetTableClient("g" + Guid.NewGuid().ToString("n")[..12]);
        await _table.CreateAsync();
    }

    public async Task DisposeAsync() => await _table.DeleteAsync();

    [Fact]
    public void A_second_partition_in_one_transaction_is_refused_before_it_reaches_storage()
    {
        var group = new EntityGroup("a").Add(TableTransactionActionType.Add, new TableEntity("a", "1"));
        Assert.Throws<InvalidOperationException>(() => group.Add(TableTransactionActionType.Add, new TableEntity("b", "1")));
    }

    [Fact]
    public void A_hundred_and_first_operation_is_refused()
    {
        var group = new EntityGroup("a");
        for (var i = 0; i < EntityGroup.MaxOperations; i++)
            group.Add(TableTransactionActionType.Add, new TableEntity("a", i.ToString()));
        Assert.True(group.IsFull);
        Assert.Throws<InvalidOperationException>(() => group.Add(TableTransactionActionType.Add, new TableEntity("a", "x")));
    }

    [Fact]
    public void The_same_row_twice_is_refused() =>
        Assert.Throws<InvalidOperationException>(() => new EntityGroup("a")
            .Add(TableTransactionActionType.UpsertReplace, new TableEntity("a", "1"))
            .Add(TableTransactionActionType.UpsertReplace, new TableEntity("a", "1")));

    [Fact]
    public async Task A_stale_etag_inside_a_transaction_voids_the_whole_transaction()
    {
        await _table.AddEntityAsync(new TableEntity("p", "state") { ["N"] = 1 });
        var read = (await _table.GetEntityAsync<TableEntity>("p", "state")).Value;
        await _table.UpdateEntityAsync(new TableEntity("p", "state") { ["N"] = 2 }, read.ETag); // someone else wins

        var group = new EntityGroup("p")
            .Add(TableTransactionActionType.UpsertReplace, new TableEntity("p", "contribution") { ["V"] = 1 })
            .Add(TableTransactionActionType.UpdateReplace, new TableEntity("p", "state") { ["N"] = 3 }, read.ETag);
        var failure = await Assert.ThrowsAsync<TableTransactionFailedException>(() => group.SubmitAsync(_table, default));

        Assert.Equal(412, failure.Status);
        Assert.False((await _table.GetEntityIfExistsAsync<TableEntity>("p", "contribution")).HasValue);
        Assert.Equal(2, (await _table.GetEntityAsync<TableEntity>("p", "state")).Value.GetInt32("N"));
    }
}
