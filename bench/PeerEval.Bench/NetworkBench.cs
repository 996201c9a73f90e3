using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using PeerEval.Functions.Storage;
using PeerEval.Testing;

namespace PeerEval.Bench;

/// <summary>
/// The network report with 10 and with 500 sharing services: its latency (500 over 10, flat is the
/// target) and the storage requests one report costs, counted on the wire by a proxy between the worker
/// and Azurite. Each size gets an Azurite of its own, loaded through the API and the queues.
/// </summary>
public static class NetworkBench
{
    private const string Range = "from=2025-04&to=2026-03";
    private const string NetworkReport = "/api/network/report?" + Range;

    /// <param name="many">The larger network: 500, or fewer for a quick check of the harness.</param>
    public static async Task RunAsync(BenchResults results, int many = 500)
    {
        Console.WriteLine($"Network report: 10 vs {many} sharing services");
        await using var few = await Network.LoadAsync(10);
        await using var large = await Network.LoadAsync(many);
        await few.TimeAsync(20, NetworkReport); // warm-up
        await large.TimeAsync(20, NetworkReport);
        // Interleaved rounds, so whatever else runs on the machine weighs on both sizes alike. One service's own
        // report on the same storage shows what the emulator's growing tables cost every read alike.
        var (fewTimes, largeTimes, serviceTimes) = (new List<double>(), new List<double>(), new List<double>());
        for (var round = 0; round < 10; round++)
        {
            fewTimes.AddRange(await few.TimeAsync(15, NetworkReport));
            largeTimes.AddRange(await large.TimeAsync(15, NetworkReport));
            serviceTimes.AddRange(await large.TimeAsync(15, $"/api/reports/svc-000?{Range}"));
        }
        var (fewRequests, largeRequests) = (await few.CountRequestsAsync(), await large.CountRequestsAsync());
        results.Add(new($"network report p50, {many} sharing services", Median(largeTimes), "ms", Median(fewTimes), "10 services", 1.5, false));
        results.Add(new($"network report p50, {many} sharing services, vs one service's report", Median(largeTimes), "ms", Median(serviceTimes),
            "one service's own report, same storage", 1.5, false));
        results.Add(new($"storage requests per network report, {many} services", largeRequests, "requests", fewRequests, "10 services", 1.0, false,
            "(per month of each reporting year read: the totals, then the groups they list)"));
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>A network of sharing services loaded through the API, on an Azurite of its own reached through a counting proxy.</summary>
    private sealed class Network(Azurite azurite, StorageFaults wire, AppProcess app, HttpClient reader, HttpClient serviceReader, StorageNames names) : IAsyncDisposable
    {
        public static async Task<Network> LoadAsync(int serviceCount)
        {
            var azurite = await Azurite.StartNewAsync();
            var wire = await StorageFaults.StartAsync(azurite);
            var prefix = "b" + Guid.NewGuid().ToString("n")[..10];
            var app = await AppProcess.StartAsync(wire.ConnectionString, prefix, queueTriggers: true);
            var load = Stopwatch.StartNew();
            using var admin = app.Client();
            var submissions = 0;
            await Parallel.ForEachAsync(Enumerable.Range(0, serviceCount).Select(i => $"svc-{i:D3}"), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (service, ct) =>
            {
                using var submit = app.Client(await app.IssueKeyAsync("submit", service), 4); // registers the service, not sharing
                (await admin.PutAsJsonAsync($"/api/manage/services/{service}", new { name = service, allowedOrigins = Array.Empty<string>(), shareWithNetwork = true }, ct))
                    .EnsureSuccessStatusCode();
                // Six people a service: a baseline in each of six months, a follow-up six months later.
                foreach (var person in Enumerable.Range(0, 6))
                    foreach (var (occasion, month) in new[] { ("baseline", 3 + person), ("followup", 9 + person) })
                    {
                        var date = new DateOnly(2025, 1, 10).AddMonths(month);
                        var body = Bodies.Hope($"{service}-{person}", occasion, date.ToString("yyyy-MM-dd"), Bodies.Uniform(1 + (person + month) % 5));
                        (await submit.PostAsJsonAsync($"/api/services/{service}/submissions", body, ct)).EnsureSuccessStatusCode();
                        Interlocked.Increment(ref submissions);
                    }
            });
            var network = new Network(azurite, wire, app, app.Client(await app.IssueKeyAsync("network"), 1),
                app.Client(await app.IssueKeyAsync("report", "*"), 1), new StorageNames(prefix));
            await network.DrainAsync();
            var pooled = await network.PooledSubmissionsAsync();
            if (pooled != submissions)
                throw new InvalidOperationException($"The pool holds {pooled} submissions, not {submissions}.");
            Console.WriteLine($"  {serviceCount} services: {submissions} submissions submitted, aggregated and pooled in {load.Elapsed.TotalSeconds:F0} s");
            return network;
        }

        private async Task<int> PooledSubmissionsAsync() =>
            (await reader.GetFromJsonAsync<JsonElement>($"/api/network/report?{Range}")).GetProperty("periods").EnumerateArray().Sum(p => p.GetProperty("submissions").GetInt32());

        private async Task DrainAsync()
        {
            var queues = new Azure.Storage.Queues.QueueServiceClient(azurite.ConnectionString);
            while ((await Task.WhenAll(new[] { names.SubmissionQueue, names.NetworkQueue }
                       .Select(async q => (await queues.GetQueueClient(q).GetPropertiesAsync()).Value.ApproximateMessagesCount))).Sum() > 0)
                await Task.Delay(500);
        }

        /// <param name="path">A network key may read only the network report; a service's report is read with the admin's report key.</param>
        public async Task<List<double>> TimeAsync(int count, string path)
        {
            var client = path == NetworkReport ? reader : serviceReader;
            var times = new List<double>();
            for (var i = 0; i < count; i++)
            {
                var watch = Stopwatch.StartNew();
                using var response = await client.GetAsync(path);
                response.EnsureSuccessStatusCode();
                await response.Content.ReadAsByteArrayAsync();
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
            return times;
        }

        /// <summary>The table requests one report makes, as the proxy sees them (the host's queue polling goes through it too, and is left out).</summary>
        public async Task<int> CountRequestsAsync()
        {
            var requests = new List<string>();
            wire.Hold = request =>
            {
                if (!request.Path.EndsWith("/messages", StringComparison.Ordinal))
                    lock (requests)
                        requests.Add($"{request.Method} {request.Path}");
                return Task.CompletedTask;
            };
            (await reader.GetAsync($"/api/network/report?{Range}")).EnsureSuccessStatusCode();
            wire.Hold = _ => Task.CompletedTask;
            Console.WriteLine($"  one report made {requests.Count} table requests ({requests.Count(r => r.Contains(names.Reports, StringComparison.Ordinal))} to reports)");
            return requests.Count;
        }

        public async ValueTask DisposeAsync()
        {
            reader.Dispose();
            serviceReader.Dispose();
            await app.DisposeAsync();
            await wire.DisposeAsync();
            await azurite.DisposeAsync();
        }
    }
}
