using System.Diagnostics;
using System.Net;
using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using PeerEval.Functions.Storage;

namespace PeerEval.Bench;

/// <summary>What every phase uses to drive load: a worker pool, a submission, a fresh storage prefix, a percentile.</summary>
public static class BenchKit
{
    public static async Task Submit(HttpClient http, string body, string service = "bench")
    {
        using var response = await http.PostAsync($"/api/services/{service}/submissions", new StringContent(body, Encoding.UTF8, "application/json"));
        if (response.StatusCode != HttpStatusCode.Accepted)
            throw new InvalidOperationException($"Submit answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>
    /// Runs work(0, 1, ...) one at a time for at least the given time and count. A worker just started compiles for
    /// about 20 s (tiered JIT: its profile showed most of its CPU on the compiler), however few requests it answers;
    /// measured inside that time, it looks twice as slow as it is.
    /// </summary>
    public static async Task WarmUpAsync(Func<int, Task> work, TimeSpan atLeast, int count = 50)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count || watch.Elapsed < atLeast; i++)
            await work(i);
    }

    /// <summary>Runs work(0..count-1) on `concurrency` workers; the first `warmUp` items are done before the clock starts.</summary>
    public static async Task<TimeSpan> Run(int count, int concurrency, Func<int, Task> work, int warmUp = 0)
    {
        for (var i = 0; i < warmUp; i++)
            await work(count - 1 - i);
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count - warmUp)
                await work(i);
        }));
        return watch.Elapsed;
    }

    public static double Percentile(List<double> sorted, double p)
    {
        var h = (sorted.Count - 1) * p;
        var lo = (int)Math.Floor(h);
        return sorted[lo] + (h - lo) * (sorted[Math.Min(lo + 1, sorted.Count - 1)] - sorted[lo]);
    }

    public static string Prefix() => "b" + Guid.NewGuid().ToString("n")[..10];

    /// <summary>Deletes a phase's tables and queues so Azurite never holds more than one phase's data.</summary>
    public static async Task DropStorage(TableServiceClient tables, QueueServiceClient queues, string prefix, string[]? extraTables = null, string[]? extraQueues = null)
    {
        var names = new StorageNames(prefix);
        foreach (var table in names.Tables.Concat(extraTables ?? []))
            await tables.DeleteTableAsync(table);
        foreach (var queue in names.Queues.Concat(extraQueues ?? []))
            await queues.GetQueueClient(queue).DeleteIfExistsAsync();
    }
}
