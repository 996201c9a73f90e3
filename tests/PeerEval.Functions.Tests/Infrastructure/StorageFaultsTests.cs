using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using PeerEval.Testing;

namespace PeerEval.Functions.Tests.Infrastructure;

/// <summary>The fault proxy must be invisible until told otherwise, or the faults tests would test the proxy.</summary>
public sealed class StorageFaultsTests
{
    [Fact]
    public async Task Without_faults_the_proxy_passes_table_and_queue_calls_through_unchanged()
    {
        await using var faults = await StorageFaults.StartAsync(await Azurite.InstanceAsync());
        var name = "proxy" + Guid.NewGuid().ToString("n")[..10];
        var tables = new TableServiceClient(faults.ConnectionString, new TableClientOptions { Retry = { MaxRetries = 0 } });
        await tables.CreateTableIfNotExistsAsync(name);
        await tables.CreateTableIfNotExistsAsync(name); // exists: answered, not thrown
        var table = tables.GetTableClient(name);
        await table.AddEntityAsync(new TableEntity("p", "r") { ["V"] = 1 });
        await table.SubmitTransactionAsync([new TableTransactionAction(TableTransactionActionType.UpsertMerge, new TableEntity("p", "s") { ["V"] = 2 })]);
        Assert.Equal(2, (await table.GetEntityAsync<TableEntity>("p", "s")).Value.GetInt32("V"));
        var missing = await Assert.ThrowsAsync<RequestFailedException>(() => table.GetEntityAsync<TableEntity>("p", "none"));
        Assert.Equal(404, missing.Status);

        var queue = new QueueServiceClient(faults.ConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64, Retry = { MaxRetries = 0 } }).GetQueueClient(name);
        await queue.CreateIfNotExistsAsync();
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync("hello");
        var received = (await queue.ReceiveMessageAsync()).Value;
        Assert.Equal("hello", received.MessageText);
        await queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);
        await Task.WhenAll(Enumerable.Range(0, 40).Select<int, Task>(i => i % 2 == 0
            ? table.UpsertEntityAsync(new TableEntity("c", i.ToString()))
            : queue.SendMessageAsync("m" + i)));
        Assert.Equal(0, faults.Injected);

        faults.FailBefore = r => r.IsWriteTo(name);
        var failed = await Assert.ThrowsAsync<RequestFailedException>(() => table.AddEntityAsync(new TableEntity("p", "t")));
        Assert.Equal(503, failed.Status);
        Assert.Equal(1, faults.Injected);
        var failedQueue = await Assert.ThrowsAsync<RequestFailedException>(() => queue.DeleteAsync());
        Assert.Equal((503, "InjectedFault"), (failedQueue.Status, failedQueue.ErrorCode));

        faults.FailBefore = _ => false;
        await table.DeleteAsync();
        await queue.DeleteAsync();
    }
}
