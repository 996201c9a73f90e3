using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using PeerEval.Bench;
using PeerEval.Domain;
using PeerEval.Domain.Aggregation;
using PeerEval.Domain.Submissions;
using PeerEval.Functions.Storage;
using PeerEval.Functions.Submissions;
using PeerEval.Testing;
using PeerEval.Contracts;
using static PeerEval.Bench.BenchKit;

// `npm run bench`: starts its own Azurite, runs every measure against its same-run baseline,
// prints the table and writes bench/results/latest.md and a dated JSON file. `--disclosure` prints
// how much disclosure control suppresses on simulated services instead (no storage involved);
// `--network` runs only the network-report phase (NetworkBench.cs) and prints its figures.
var total = Stopwatch.StartNew();
if (args.Contains("--disclosure"))
{
    DisclosureSimulation.Run();
    return;
}
if (args.Contains("--network"))
{
    var network = new BenchResults();
    await NetworkBench.RunAsync(network);
    Console.WriteLine(network.Markdown());
    return;
}
// Each phase gets an Azurite of its own: Azurite slows and stalls as it accumulates data, and a phase's
// baseline is measured on the same instance as the phase itself.
Azurite azurite = null!;
TableServiceClient tables = null!;
QueueServiceClient queues = null!;
var results = new BenchResults();
double hotOurs = 0, hotNaive = 0; // kept between the hot-partition phases
var quick = args.Contains("--quick");
var scale = quick ? 0.1 : 1.0;
int Scaled(int n) => Math.Max(50, (int)(n * scale));

(string Name, Func<Task> Run)[] phases =
[
    ("ingest", Ingest), ("hop", () => HostHop.RunAsync(azurite, results, Scaled)), ("transactions", () => StorageTransactions.RunAsync(azurite, results, Scaled)),
    ("hot", HotOurs), ("hot", HotNaive), ("hot", HotDrain), ("lag", ManyPartitionsLagAndMemory), ("report", ReportLatency), ("dashboard", DashboardLatency),
];
// Every phase runs three times, so one noisy run cannot mislead; `--only ingest,hot` runs some phases (while developing one).
var runs = quick ? 1 : 3;
var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault()?.Split(',');
for (var run = 1; run <= runs; run++)
{
    foreach (var phase in phases.Where(p => only is null || only.Contains(p.Name)))
    {
        await using (azurite = await Azurite.StartNewAsync())
        {
            tables = new TableServiceClient(azurite.ConnectionString);
            queues = new QueueServiceClient(azurite.ConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
            await phase.Run();
        }
    }
}
if (only is null || only.Contains("network"))
    await NetworkBench.RunAsync(results, quick ? 50 : 500);
// A quick run, or one of some phases only, checks the harness: its figures are printed, never recorded.
if (quick || only is not null)
    Console.WriteLine(results.Markdown());
else
    await results.WriteAsync(Path.Combine(Repo.Root, "bench", "results"), total.Elapsed);
return;

async Task Ingest()
{
    Console.WriteLine("Ingest: HTTP submissions vs the same storage calls made directly");
    var prefix = Prefix();
    await using var app = await AppProcess.StartAsync(azurite.ConnectionString, prefix, queueTriggers: false);
    var key = await app.IssueKeyAsync("submit", "bench");
    var direct = tables.GetTableClient(prefix + "direct");
    var directCounts = tables.GetTableClient(prefix + "counts");
    var directQueue = queues.GetQueueClient(prefix + "direct");
    await direct.CreateAsync();
    await directCounts.CreateAsync();
    await directQueue.CreateAsync();
    using (var warming = app.Client(key, 1))
        await WarmUpAsync(w => Submit(warming, JsonSerializer.Serialize(Bodies.Hope($"warm-{w}", "baseline", "2026-03-10", Bodies.Uniform(3)))), TimeSpan.FromSeconds(25));
    foreach (var concurrency in new[] { 1, 8, 32 })
    {
        var n = Scaled(concurrency == 1 ? 800 : 2000);
        using var http = app.Client(key, concurrency);
        var bodies = Enumerable.Range(0, n + 100).Select(i => JsonSerializer.Serialize(Bodies.Hope($"p{i}", "baseline", "2026-03-10", Bodies.Uniform(1 + i % 5)))).ToList();
        var viaApi = await Run(n + 100, concurrency, i => Submit(http, bodies[i]), warmUp: 100);
        var viaStorage = await Run(n + 100, concurrency, async i =>
        {
            // The storage calls the app makes for a submission: the person's count (for the cap), one row like ours, one message like ours.
            await directCounts.GetEntityIfExistsAsync<TableEntity>("bench", $"c{concurrency}-{i}", select: ["Submissions"]);
            await direct.AddEntityAsync(new TableEntity("bench", $"c{concurrency}-{i}")
            {
                ["Participant"] = new string('a', 64), ["Occasion"] = "baseline", ["CompletedOn"] = "2026-03-10",
                ["Observation"] = bodies[i], ["Answers"] = bodies[i], ["BodyHash"] = new string('b', 64), ["Status"] = "queued",
                ["ReceivedAt"] = DateTimeOffset.UtcNow,
            });
            await directQueue.SendMessageAsync($"{{\"serviceId\":\"bench\",\"submissionId\":\"c{concurrency}-{i}\"}}");
        }, warmUp: 100);
        results.Add(new($"ingest, {concurrency} client{(concurrency > 1 ? "s" : "")}", n / viaApi.TotalSeconds, "req/s",
            n / viaStorage.TotalSeconds, "direct count read + insert + send", 0.7, true));
    }
    await Drop(prefix, extraTables: [prefix + "direct", prefix + "counts"], extraQueues: [prefix + "direct"]);
}

// The hot partition (one service, one month) is measured three ways, each on a fresh Azurite loaded
// with the same 3,000 submissions: our aggregator; a naive aggregator (read-modify-write of one row per
// message, with ETag retry); and the bare queue drain (receive and delete only), the floor for both.
async Task<(string Prefix, List<string> Ids)> LoadHotAsync()
{
    var prefix = Prefix();
    var n = Scaled(3000);
    await using var loader = await AppProcess.StartAsync(azurite.ConnectionString, prefix, queueTriggers: false);
    using var http = loader.Client(await loader.IssueKeyAsync("submit", "hot"), 32);
    var bodies = Enumerable.Range(0, n).Select(i => Bodies.Hope($"hot-{i}", "baseline", $"2026-03-{1 + i % 28:D2}", Bodies.Uniform(1 + i % 5))).ToList();
    await Run(n, 32, i => Submit(http, JsonSerializer.Serialize(bodies[i]), "hot"));
    return (prefix, bodies.Select(b => (string)b["submissionId"]!).ToList());
}

async Task HotOurs()
{
    Console.WriteLine("Aggregation on one hot report partition (one service, one month)");
    var (prefix, ids) = await LoadHotAsync();
    var watch = Stopwatch.StartNew();
    await using (var aggregator = await AppProcess.StartAsync(azurite.ConnectionString, prefix, queueTriggers: true, batchSize: 32))
    {
        watch.Restart(); // from the moment it answers: start-up is not aggregation
        using var reader = aggregator.Client(await aggregator.IssueKeyAsync("report", "hot"));
        while ((await reader.GetFromJsonAsync<JsonElement>("/api/reports/hot?from=2026-03&to=2026-03")).GetProperty("periods")[0].GetProperty("submissions").GetInt32() < ids.Count)
            await Task.Delay(50);
    }
    hotOurs = ids.Count / watch.Elapsed.TotalSeconds;
    Console.WriteLine($"  ours: {ids.Count} messages in {watch.Elapsed.TotalSeconds:F1} s");
}

async Task HotNaive()
{
    var (prefix, ids) = await LoadHotAsync();
    var submissions = tables.GetTableClient(new StorageNames(prefix).Submissions);
    var naiveTable = tables.GetTableClient(prefix + "naive");
    await naiveTable.CreateAsync();
    hotNaive = await Drain(prefix + "naive", Messages(ids), workers: 16, async text =>
    {
        var message = JsonDocument.Parse(text).RootElement;
        var row = (await submissions.GetEntityAsync<TableEntity>("hot", message.GetProperty("submissionId").GetString())).Value;
        var score = JsonSerializer.Deserialize<Observation>(row.GetString("Observation"), DomainJson.Options)!.Scores[0].Score;
        while (true)
        {
            var state = await naiveTable.GetEntityIfExistsAsync<TableEntity>("hot|2026-03", "state");
            var entity = state.HasValue ? state.Value! : new TableEntity("hot|2026-03", "state") { ["N"] = 0L, ["Sum"] = 0.0 };
            entity["N"] = entity.GetInt64("N")!.Value + 1;
            entity["Sum"] = entity.GetDouble("Sum")!.Value + score;
            try
            {
                if (state.HasValue)
                    await naiveTable.UpdateEntityAsync(entity, entity.ETag);
                else
                    await naiveTable.AddEntityAsync(entity);
                return;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                await Task.Delay(Random.Shared.Next(1, 5)); // the same small jitter our aggregator uses
            }
        }
    });
}

// The floor for any aggregator: receive 32 and delete, nothing else, at the concurrency that drains this
// backlog fastest (swept here); then at that concurrency from a short backlog, to show what a long one costs.
async Task HotDrain()
{
    var messages = Messages(Enumerable.Range(0, Scaled(3000)).Select(i => $"drain-{i}").ToList());
    var sweep = new List<(int Workers, double Rate)>();
    foreach (var workers in new[] { 1, 2, 4, 8 })
        sweep.Add((workers, await Drain(Prefix() + "drain", messages, workers, _ => Task.CompletedTask)));
    var (best, drain) = sweep.MaxBy(s => s.Rate);
    var shortBacklog = await Drain(Prefix() + "drain", messages[..Scaled(300)], best, _ => Task.CompletedTask);
    results.Add(new("hot-partition aggregation, 16 consumers", hotOurs, "msg/s", hotNaive, "naive read-modify-write, 16 consumers", 10, true));
    results.Add(new("hot-partition aggregation vs the best bare drain", hotOurs, "msg/s", drain, "receive 32 + delete, best of 1/2/4/8 workers", 0.8, true,
        $"(best: {best} workers; {string.Join(", ", sweep.Select(s => $"{s.Workers}: {BenchResults.Format(s.Rate)}"))})"));
    results.Add(new($"bare drain from a short backlog ({messages[..Scaled(300)].Count})", shortBacklog, "msg/s", drain, $"the same from {messages.Count}", null, true));
}

// Messages as intake sends them (they carry the observation), so every drain moves the same bytes as ours.
static List<string> Messages(List<string> ids) => ids.Select(id => new SubmissionMessage("hot", id, new string('a', 64),
    new Observation(id, Occasion.Baseline, new DateOnly(2026, 3, 10), [new ScoredInstrument("hope-core", 20, true, 6)], null), "W/\"datetime'2026-03-10T00%3A00%3A00.0000000Z'\"", true).ToJson()).ToList();

async Task ManyPartitionsLagAndMemory()
{
    Console.WriteLine("Many partitions under sustained load: throughput, submit-to-report lag, memory");
    var prefix = Prefix();
    await using var app = await AppProcess.StartAsync(azurite.ConnectionString, prefix, queueTriggers: true, batchSize: 32);
    var idleMemory = app.Memory().CurrentMb;
    var services = Enumerable.Range(0, 20).Select(i => $"svc-{i}").ToList();
    var clients = new Dictionary<string, HttpClient>();
    foreach (var service in services)
        clients[service] = app.Client(await app.IssueKeyAsync("submit", service), 8);
    var submissions = tables.GetTableClient(new StorageNames(prefix).Submissions);

    // Idle lag first: one submission at a time, each waited for.
    var idle = new List<double>();
    for (var i = 0; i < 15; i++)
    {
        var body = Bodies.Hope($"idle-{i}", "baseline", "2026-01-05", Bodies.Uniform(3));
        await Submit(clients[services[0]], JsonSerializer.Serialize(body), services[0]);
        var (received, aggregated) = await TimingAsync(submissions, services[0], (string)body["submissionId"]!);
        idle.Add((aggregated - received).TotalMilliseconds);
    }

    // Then sustained: 100 submissions a second for 30 seconds, over 20 services and 6 months.
    var n = Scaled(3000);
    var sent = new List<(string Service, string Id)>();
    var pace = Stopwatch.StartNew();
    await Run(n, 8, async i =>
    {
        var due = TimeSpan.FromMilliseconds(i * 10);
        if (pace.Elapsed < due)
            await Task.Delay(due - pace.Elapsed);
        var service = services[i % services.Count];
        var body = Bodies.Hope($"load-{i % 500}", i % 4 == 0 ? "followup" : "baseline", $"2026-{1 + i % 6:D2}-{1 + i % 28:D2}", Bodies.Uniform(1 + i % 5));
        await Submit(clients[service], JsonSerializer.Serialize(body), service);
        lock (sent)
            sent.Add((service, (string)body["submissionId"]!));
    });
    var timings = new List<(DateTimeOffset Received, DateTimeOffset Aggregated)>();
    foreach (var (service, id) in sent)
        timings.Add(await TimingAsync(submissions, service, id));
    var lags = timings.Select(t => (t.Aggregated - t.Received).TotalMilliseconds).ToList();
    var span = timings.Max(t => t.Aggregated) - timings.Min(t => t.Received);
    var memory = app.Memory();
    idle.Sort();
    lags.Sort();
    var idleP50 = Percentile(idle, 0.5);
    results.Add(new("many-partition aggregation (20 services x 6 months)", sent.Count / span.TotalSeconds, "msg/s",
        100, "offered load", null, true, "(keeps up when the ratio is ~1)"));
    foreach (var (name, p) in new[] { ("p50", 0.5), ("p95", 0.95), ("p99", 0.99) })
        results.Add(new($"submit-to-report lag {name}, sustained load", Percentile(lags, p), "ms", idleP50, "idle p50", null, false));
    results.Add(new("peak working set under load", memory.PeakMb, "MB", idleMemory, "idle after start", null, false,
        memory.PeakMb < 250 ? "(target < 250 MB: met)" : "(target < 250 MB: missed)"));
    foreach (var client in clients.Values)
        client.Dispose();
    await Drop(prefix);
}

async Task ReportLatency()
{
    Console.WriteLine("Report reads: 1,000 vs 100,000 stored submissions");
    var prefix = Prefix();
    await using var app = await AppProcess.StartAsync(azurite.ConnectionString, prefix, queueTriggers: false);
    var submissions = tables.GetTableClient(new StorageNames(prefix).Submissions);
    using var admin = app.Client();
    var sizes = new[] { ("small", 1000), ("large", Scaled(100_000)) };
    foreach (var (service, n) in sizes)
    {
        var load = Stopwatch.StartNew();
        await app.RegisterServiceAsync(service);
        await StoreDirectlyAsync(submissions, service, n, new DateOnly(2025, 4, 1), 12);
        var rebuild = await admin.PostAsync($"/api/manage/services/{service}/rebuild", null);
        rebuild.EnsureSuccessStatusCode();
        Console.WriteLine($"  {service}: {n} submissions stored and aggregated (rebuild) in {load.Elapsed.TotalSeconds:F0} s");
    }
    using var reader = app.Client(await app.IssueKeyAsync("report", "*"), 1);
    var medians = new Dictionary<string, double>();
    foreach (var (service, n) in sizes)
    {
        var times = new List<double>();
        for (var i = 0; i < 220; i++)
        {
            var watch = Stopwatch.StartNew();
            var report = await reader.GetFromJsonAsync<JsonElement>($"/api/reports/{service}?from=2025-04&to=2026-03");
            if (i >= 20)
                times.Add(watch.Elapsed.TotalMilliseconds);
            var stored = report.GetProperty("periods").EnumerateArray().Sum(p => p.GetProperty("submissions").GetInt32());
            if (i == 0 && stored != n)
                throw new InvalidOperationException($"{service} reports {stored} submissions, not {n}.");
        }
        times.Sort();
        medians[service] = Percentile(times, 0.5);
    }
    results.Add(new($"report read p50, {sizes[1].Item2:N0} submissions", medians["large"], "ms", medians["small"], "1,000 submissions", 1.5, false));
    await Drop(prefix);
}

async Task DashboardLatency()
{
    Console.WriteLine("Dashboard page vs the JSON report it shows: 10 years of monthly data");
    var prefix = Prefix();
    await using var app = await AppProcess.StartAsync(azurite.ConnectionString, prefix, queueTriggers: false);
    var submissions = tables.GetTableClient(new StorageNames(prefix).Submissions);
    using var admin = app.Client();
    await app.RegisterServiceAsync("decade");
    await StoreDirectlyAsync(submissions, "decade", Scaled(12_000), new DateOnly(2016, 4, 1), 120);
    (await admin.PostAsync("/api/manage/services/decade/rebuild", null)).EnsureSuccessStatusCode();
    using var reader = app.Client(await app.IssueKeyAsync("report", "decade"), 1);
    const string range = "granularity=month&from=2016-04&to=2026-03";
    var medians = new Dictionary<string, double>();
    foreach (var path in new[] { "/api/reports/decade", "/api/dashboard/decade" })
    {
        var times = new List<double>();
        for (var i = 0; i < 60; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await reader.GetAsync($"{path}?{range}");
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
            if (i >= 10)
                times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        medians[path] = Percentile(times, 0.5);
    }
    results.Add(new("dashboard page p50, 10 years of monthly data", medians["/api/dashboard/decade"], "ms", medians["/api/reports/decade"], "the JSON report it shows", null, false));
    await Drop(prefix);
}

// Submission rows as the app stores them (participants of four submissions each, spread over the months
// from the first given), in 100-row transactions, so a large service loads in seconds rather than through the queue.
async Task StoreDirectlyAsync(TableClient table, string service, int n, DateOnly first, int months)
{
    var random = new Random(42);
    var threshold = PeerEval.Domain.Instruments.BuiltInInstruments.HopeCore.ReliableChange!.Threshold;
    await DirectSubmissions.StoreAsync(table, service, Enumerable.Range(0, n).Select(i =>
    {
        var participant = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes($"{service}-{i / 4}")));
        var date = first.AddMonths((i / 4) % (months - 3) + i % 4).AddDays(random.Next(28));
        var observation = new Observation($"s{i:D7}", i % 4 == 0 ? Occasion.Baseline : Occasion.Followup, date,
            [new ScoredInstrument("hope-core", random.Next(8, 41), true, threshold)], null);
        return DirectSubmissions.Row(service, participant, observation);
    }));
}

// When the app received a submission and when its figures were in the report rows.
async Task<(DateTimeOffset Received, DateTimeOffset Aggregated)> TimingAsync(TableClient submissions, string service, string id)
{
    for (var i = 0; i < 6000; i++)
    {
        var row = (await submissions.GetEntityAsync<TableEntity>(service, id)).Value;
        if (row.GetDateTimeOffset("AggregatedAt") is { } done)
            return (row.GetDateTimeOffset("ReceivedAt")!.Value, done);
        await Task.Delay(20);
    }
    throw new TimeoutException($"{id} was never aggregated.");
}

// Workers take the messages off a queue of their own and handle each; the rate is what they get
// through in at most 20 seconds (a slow baseline must not hold the run up), and the queue is then deleted.
async Task<double> Drain(string queueName, List<string> messages, int workers, Func<string, Task> handle)
{
    var queue = queues.GetQueueClient(queueName);
    await queue.CreateAsync();
    await Run(messages.Count, 16, i => queue.SendMessageAsync(messages[i]));
    var processed = 0;
    var watch = Stopwatch.StartNew();
    var deadline = TimeSpan.FromSeconds(20);
    await Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
    {
        while (watch.Elapsed < deadline)
        {
            var batch = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(2))).Value;
            if (batch.Length == 0)
                return;
            // Handled one by one, deleted together: the same delete parallelism as our listener.
            foreach (var message in batch)
                await handle(message.MessageText);
            await Task.WhenAll(batch.Select(async m =>
            {
                try
                {
                    await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt);
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                    // A retried delete whose first try landed (Azurite under load answers late).
                }
            }));
            Interlocked.Add(ref processed, batch.Length);
        }
    }));
    var rate = processed / watch.Elapsed.TotalSeconds;
    Console.WriteLine($"  {queueName}: {processed} of {messages.Count} in {watch.Elapsed.TotalSeconds:F1} s");
    await queue.DeleteAsync();
    return rate;
}

// Deletes a phase's tables and queues so Azurite never holds more than one phase's data.
Task Drop(string prefix, string[]? extraTables = null, string[]? extraQueues = null) => BenchKit.DropStorage(tables, queues, prefix, extraTables, extraQueues);
