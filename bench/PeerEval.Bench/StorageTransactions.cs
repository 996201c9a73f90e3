using System.Collections.Concurrent;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using PeerEval.Functions.Storage;
using PeerEval.Testing;
using static PeerEval.Bench.BenchKit;

namespace PeerEval.Bench;

/// <summary>
/// Storage transactions per submission, end to end: the HTTP submission (its reads, the row, the message),
/// the host's receive and delete, and the aggregation's reads and writes. Every request of the worker and
/// of the host crosses the fault proxy, which counts them as Azure bills them (a $batch is one transaction).
/// </summary>
public static class StorageTransactions
{
    /// <summary>On paper: insert + send, receive, read the submission, read and write the month, delete.</summary>
    private const double NaiveDesign = 7;

    public static async Task RunAsync(Azurite azurite, BenchResults results, Func<int, int> scaled)
    {
        Console.WriteLine("Storage transactions per submission: baselines, then a follow-up for each (steady state: caches warm)");
        foreach (var batchSize in new[] { 1, 16, 32 })
        {
            var (perSubmission, breakdown) = await CountAsync(azurite, batchSize, scaled(400));
            results.Add(new($"storage transactions per submission, batch {batchSize}", perSubmission, "tx", NaiveDesign, "naive design (on paper)",
                batchSize == 1 ? null : 0.5, false, $"({breakdown})"));
        }
    }

    private static async Task<(double PerSubmission, string Breakdown)> CountAsync(Azurite azurite, int batchSize, int participants)
    {
        var prefix = Prefix();
        var tally = new ConcurrentDictionary<string, int>();
        var counting = false;
        await using var proxy = await StorageFaults.StartAsync(azurite);
        proxy.Hold = request =>
        {
            if (Volatile.Read(ref counting))
                tally.AddOrUpdate(KindOf(request, prefix), 1, (_, n) => n + 1);
            return Task.CompletedTask;
        };
        var names = new StorageNames(prefix);
        var submissions = new TableServiceClient(azurite.ConnectionString).GetTableClient(names.Submissions);
        var queue = new QueueServiceClient(azurite.ConnectionString).GetQueueClient(names.SubmissionQueue);
        await using (var app = await AppProcess.StartAsync(proxy.ConnectionString, prefix, queueTriggers: true, batchSize: batchSize))
        {
            using var http = app.Client(await app.IssueKeyAsync("submit", "tx"), 8);
            async Task SubmitAndWait(string name, string occasion, string date, int from, int count, int expected)
            {
                await Run(count, 8, i => Submit(http, JsonSerializer.Serialize(Bodies.Hope($"{name}-{from + i}", occasion, date, Bodies.Uniform(1 + i % 5))), "tx"));
                await WaitForAggregationAsync(submissions, queue, expected);
            }
            // Warm-up: keys, services and instruments are cached, and the months exist.
            await SubmitAndWait("warm", "baseline", "2026-03-02", 0, 20, 20);
            Volatile.Write(ref counting, true);
            await SubmitAndWait("p", "baseline", "2026-03-10", 0, participants, 20 + participants);
            await SubmitAndWait("p", "followup", "2026-04-10", 0, participants, 20 + 2 * participants);
            Volatile.Write(ref counting, false);
        }
        var n = 2.0 * participants;
        var total = tally.Values.Sum();
        var breakdown = string.Join(", ", tally.OrderByDescending(t => t.Value).Select(t => $"{t.Key} {t.Value / n:0.##}"));
        Console.WriteLine($"  batch {batchSize}: {total} requests for {n} submissions = {total / n:0.##} each: {breakdown}");
        await BenchKit.DropStorage(new TableServiceClient(azurite.ConnectionString), new QueueServiceClient(azurite.ConnectionString), prefix);
        return (total / n, breakdown);
    }

    /// <summary>Every submission marked aggregated and the queue empty (the host has deleted every message): read directly, not counted.</summary>
    private static async Task WaitForAggregationAsync(TableClient submissions, QueueClient queue, int expected)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (DateTime.UtcNow < deadline)
        {
            if ((await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0
                && await submissions.QueryAsync<TableEntity>(e => e.GetString("Status") == "aggregated", select: ["RowKey"]).CountAsync() >= expected)
                return;
            await Task.Delay(200);
        }
        throw new TimeoutException("The submissions were not all aggregated within 5 minutes.");
    }

    /// <summary>What a request is, as billed (one operation each, a $batch being one), and which table it is on.</summary>
    private static string KindOf(StorageRequest request, string prefix)
    {
        var (method, path) = (request.Method, request.Path);
        if (path.EndsWith("/$batch", StringComparison.Ordinal))
            return "batch";
        if (path.Contains("/messages", StringComparison.Ordinal))
            return method switch { "POST" => "send", "GET" => "receive", "DELETE" => "delete message", _ => "update message" };
        var entity = path.Contains("(PartitionKey=", StringComparison.Ordinal);
        var table = path[(path.LastIndexOf('/') + 1)..].Split('(')[0].Replace(prefix, "", StringComparison.Ordinal);
        return (method, entity) switch
        {
            ("GET", true) => "read " + table,
            ("GET", false) when path.EndsWith(')') => "query " + table,
            ("POST", false) when table != "Tables" => "insert " + table,
            ("DELETE", true) => "delete " + table,
            (_, true) => "update " + table,
            _ => "admin",
        };
    }
}
