using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using PeerEval.Functions.Storage;
using PeerEval.Testing;
using static PeerEval.Bench.BenchKit;

namespace PeerEval.Bench;

/// <summary>
/// Where one client's submission spends its time: the client's wait, the app's own time (its Server-Timing
/// header, from the first middleware to the answer), and the storage calls it makes, made directly. The
/// worker's HTTP port answers only requests the host has announced over gRPC, so there is no path around
/// the host: its hop is the client's wait less the app's time.
/// </summary>
public static class HostHop
{
    public static async Task RunAsync(Azurite azurite, BenchResults results, Func<int, int> scaled)
    {
        Console.WriteLine("One client's submission: through the host, in the app, and its storage calls made directly");
        var prefix = Prefix();
        var n = scaled(500);
        var tables = new TableServiceClient(azurite.ConnectionString);
        var queues = new QueueServiceClient(azurite.ConnectionString);
        await using (var app = await AppProcess.StartAsync(azurite.ConnectionString, prefix, queueTriggers: false))
        {
            using var http = app.Client(await app.IssueKeyAsync("submit", "bench"), 1);
            var client = new List<double>();
            var inApp = new List<double>();
            await WarmUpAsync(w => Submit(http, JsonSerializer.Serialize(Bodies.Hope($"warm-{w}", "baseline", "2026-03-10", Bodies.Uniform(3)))), TimeSpan.FromSeconds(25));
            for (var i = 0; i < n; i++)
            {
                var body = JsonSerializer.Serialize(Bodies.Hope($"hop-{i}", "baseline", "2026-03-10", Bodies.Uniform(3)));
                var watch = Stopwatch.StartNew();
                using var response = await http.PostAsync("/api/services/bench/submissions", new StringContent(body, Encoding.UTF8, "application/json"));
                await response.Content.ReadAsByteArrayAsync();
                client.Add(watch.Elapsed.TotalMilliseconds);
                var timing = response.Headers.GetValues("Server-Timing").Single();
                inApp.Add(double.Parse(timing[(timing.IndexOf("dur=", StringComparison.Ordinal) + 4)..], CultureInfo.InvariantCulture));
            }

            // The same storage calls the app makes for a submission: the person's count, the row, the message.
            var names = new StorageNames(prefix);
            var participants = tables.GetTableClient(names.Participants);
            var submissions = tables.GetTableClient(names.Submissions);
            var queue = queues.GetQueueClient(names.SubmissionQueue);
            async Task DirectAsync(string id)
            {
                await participants.GetEntityIfExistsAsync<TableEntity>("bench", id, select: ["Submissions"]);
                await submissions.AddEntityAsync(new TableEntity("bench", id) { ["Observation"] = new string('o', 300), ["Answers"] = new string('a', 200), ["Status"] = "queued" });
                await queue.SendMessageAsync(new string('m', 400));
            }
            await WarmUpAsync(w => DirectAsync($"direct-warm-{w}"), TimeSpan.Zero);
            var storage = new List<double>();
            for (var i = 0; i < n; i++)
            {
                var watch = Stopwatch.StartNew();
                await DirectAsync($"direct-{i}");
                storage.Add(watch.Elapsed.TotalMilliseconds);
            }
            client.Sort();
            inApp.Sort();
            storage.Sort();
            var (clientP50, appP50, storageP50) = (Percentile(client, 0.5), Percentile(inApp, 0.5), Percentile(storage, 0.5));
            results.Add(new("ingest p50, 1 client, through the host stand-in", clientP50, "ms", appP50, "in the app (Server-Timing)", null, false,
                $"(host hop and HTTP: {BenchResults.Format(clientP50 - appP50)} ms)"));
            results.Add(new("ingest p50 in the app, 1 client", appP50, "ms", storageP50, "its storage calls made directly (count read, insert, send)", null, false,
                $"(the app's own work: {BenchResults.Format(appP50 - storageP50)} ms)"));
        }
        await DropStorage(tables, queues, prefix);
    }
}
