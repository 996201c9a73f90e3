using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CsCheck;
using PeerEval.Functions.Tests.Infrastructure;
using PeerEval.Testing;

namespace PeerEval.Functions.Tests;

public sealed class AggregationTests
{
    private static readonly Dictionary<string, string?> NoSuppression = new() { ["PeerEval:Reporting:MinCellSize"] = "0" };

    [Fact]
    public async Task Figures_equal_a_rebuild_and_a_plain_reference_despite_duplicates_random_order_and_crashes()
    {
        // Each sample is a whole run on Azurite, so a few larger samples rather than many small ones.
        var samples = RawSubmission.Generator.Array[25, 40].Select(Gen.Int[0, 1_000_000]);
        await Task.WhenAll(Enumerable.Range(0, 3).Select(async i =>
        {
            var (submissions, seed) = samples.Single();
            await RunWithFaultsAsync(submissions, seed);
        }));
    }

    private static async Task RunWithFaultsAsync(RawSubmission[] submissions, int seed)
    {
        var random = new Random(seed);
        await using var app = await TestApp.StartAsync(
            new Dictionary<string, string?>(NoSuppression) { ["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"] = "100", ["AzureFunctionsJobHost:extensions:queues:batchSize"] = "8" },
            faults: true);
        // Crash about one aggregation write in six: before it lands, or after it landed but before the caller knew.
        var participants = app.Names.Participants;
        var reports = app.Names.Reports;
        app.Faults!.FailBefore = r => (r.IsWriteTo(participants) || r.IsWriteTo(reports)) && Chance(random, 12);
        app.Faults.FailAfter = r => (r.IsWriteTo(participants) || r.IsWriteTo(reports)) && Chance(random, 12);

        var queue = app.Queue(app.Names.SubmissionQueue);
        foreach (var submission in submissions)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(submission.Body())).StatusCode);
            if (Chance(random, 3)) // the client retries the same body
                Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(submission.Body())).StatusCode);
            if (Chance(random, 3)) // the queue delivers twice
                await queue.SendMessageAsync(JsonSerializer.Serialize(new { serviceId = "demo", submissionId = submission.Id }));
        }
        await app.WaitForStatusAsync(submissions.Select(s => s.Id), seconds: 120);
        await WaitForEmptyQueueAsync(app);
        Assert.True(app.Faults.Injected > 0, "no fault was injected");
        app.Faults!.FailBefore = app.Faults.FailAfter = _ => false;

        var aggregated = await ReportTextAsync(app);
        AssertMatchesReference(JsonDocument.Parse(aggregated).RootElement, submissions);

        var rebuild = await app.Client(TestApp.AdminKey).PostAsync("/api/manage/services/demo/rebuild", null);
        Assert.Equal(HttpStatusCode.OK, rebuild.StatusCode);
        Assert.Equal(aggregated, await ReportTextAsync(app));
    }

    private static bool Chance(Random random, int oneIn)
    {
        lock (random)
            return random.Next(oneIn) == 0;
    }

    internal static async Task WaitForEmptyQueueAsync(TestApp app)
    {
        var queue = app.Queue(app.Names.SubmissionQueue);
        for (var i = 0; i < 600 && (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0; i++)
            await Task.Delay(100);
        // Redelivered copies may still be in flight; give the listener a moment to finish them.
        await Task.Delay(500);
    }

    /// <summary>
    /// The reports by month, quarter and year over the data's span, without their timestamps, so two
    /// reads of the same figures compare equal as text.
    /// </summary>
    internal static async Task<string> ReportTextAsync(TestApp app)
    {
        var reports = new Dictionary<string, Dictionary<string, JsonElement>>();
        foreach (var (granularity, from, to) in new[] { ("month", "2025-11", "2026-04"), ("quarter", "2025-Q4", "2026-Q2"), ("year", "2025", "2026") })
        {
            var report = await app.Client(TestApp.ReportKey).GetFromJsonAsync<Dictionary<string, JsonElement>>($"/api/reports/demo?granularity={granularity}&from={from}&to={to}");
            report!.Remove("generatedAt");
            reports[granularity] = report;
        }
        return JsonSerializer.Serialize(reports);
    }

    internal static void AssertMatchesReference(JsonElement reports, IReadOnlyList<RawSubmission> submissions)
    {
        var periods = reports.EnumerateObject().SelectMany(r => r.Value.GetProperty("periods").EnumerateArray()).ToList();
        Assert.Equal(6 + 3 + 2, periods.Count);
        foreach (var figures in periods)
        {
            var period = figures.GetProperty("period").GetString()!;
            var expected = PlainReference.For(submissions, period);
            Assert.Equal(expected.Submissions, figures.GetProperty("submissions").GetInt32());
            Assert.Equal(expected.Participants, figures.GetProperty("participants").GetInt32());

            var instruments = figures.GetProperty("instruments");
            if (expected.Cells.Count == 0 && expected.Changes.Count == 0)
            {
                Assert.False(instruments.TryGetProperty("hope-core@1", out _), period);
            }
            else
            {
                var hope = instruments.GetProperty("hope-core@1");
                foreach (var (occasion, (n, people, mean)) in expected.Cells)
                {
                    var cell = hope.GetProperty("occasions").GetProperty(occasion);
                    Assert.Equal((n, people), (cell.GetProperty("n").GetInt32(), cell.GetProperty("people").GetInt32()));
                    Assert.Equal(mean, cell.GetProperty("mean").GetDouble(), 6);
                }
                Assert.Equal(expected.Cells.Count, hope.GetProperty("occasions").EnumerateObject().Count());
                foreach (var (occasion, (pairs, people, mean)) in expected.Changes)
                {
                    var change = hope.GetProperty("change").GetProperty(occasion);
                    Assert.Equal((pairs, people), (change.GetProperty("pairs").GetInt32(), change.GetProperty("people").GetInt32()));
                    Assert.Equal(mean, change.GetProperty("meanChange").GetDouble(), 6);
                }
                Assert.Equal(expected.Changes.Count, hope.GetProperty("change").EnumerateObject().Count());
            }

            var stays = figures.GetProperty("lengthOfStay");
            Assert.Equal(expected.Stays, stays.GetProperty("stays").GetInt32());
            if (expected.MeanDays is { } meanDays)
                Assert.Equal(meanDays, stays.GetProperty("meanDays").GetDouble(), 6);
        }
    }

    /// <summary>Submits one baseline whose report writes fail every time, until the host has moved its message to the poison queue.</summary>
    private static async Task<(string Id, Azure.Storage.Queues.Models.PeekedMessage[] Poisoned)> PoisonOneAsync(TestApp app, string participant)
    {
        var reports = app.Names.Reports;
        app.Faults!.FailBefore = r => r.IsWriteTo(reports);
        var body = Bodies.Hope(participant, "baseline", "2026-02-10", Bodies.Uniform(3));
        var id = (string)body["submissionId"]!;
        Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(body)).StatusCode);
        await app.WaitForStatusAsync([id], "rejected");

        // The reason is recorded on the last try; the host moves the message once that try has failed.
        var poison = app.Queue(app.Names.PoisonQueue);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Azure.Storage.Queues.Models.PeekedMessage[] poisoned;
        while ((poisoned = (await poison.PeekMessagesAsync(10)).Value).Length == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        return (id, poisoned);
    }

    [Fact]
    public async Task A_message_that_keeps_failing_goes_to_the_poison_queue_with_its_reason_and_replays_once_fixed()
    {
        await using var app = await TestApp.StartAsync(NoSuppression, faults: true);
        var (id, poisoned) = await PoisonOneAsync(app, "poisoned");
        var poison = app.Queue(app.Names.PoisonQueue);
        Assert.Single(poisoned);
        Assert.Contains(id, poisoned[0].MessageText);
        var admin = app.Client(TestApp.AdminKey);
        var records = await admin.GetFromJsonAsync<JsonElement>("/api/manage/poison");
        var record = Assert.Single(records.EnumerateArray());
        Assert.Contains("Injected fault", record.GetProperty("reason").GetString());
        Assert.Equal(5, record.GetProperty("dequeueCount").GetInt32());
        var status = await admin.GetFromJsonAsync<JsonElement>($"/api/services/demo/submissions/{id}");
        Assert.Contains("Injected fault", status.GetProperty("reason").GetString());

        app.Faults!.FailBefore = _ => false; // the cause is fixed
        var replay = await admin.PostAsync("/api/manage/poison/replay", null);
        Assert.Equal(1, (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed").GetInt32());
        await app.WaitForStatusAsync([id]);
        Assert.Equal(0, (await poison.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        // Replaying again and redelivering changes nothing: counted once.
        await app.Queue(app.Names.SubmissionQueue).SendMessageAsync(poisoned[0].MessageText);
        await WaitForEmptyQueueAsync(app);
        var cell = (await app.ReportAsync("2026-02", "2026-02")).GetProperty("periods")[0].GetProperty("instruments")
            .GetProperty("hope-core@1").GetProperty("occasions").GetProperty("baseline");
        Assert.Equal(1, cell.GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task A_rejected_submission_counts_neither_live_nor_in_a_rebuild()
    {
        await using var app = await TestApp.StartAsync(NoSuppression, faults: true);
        async Task<string> SubmitAsync(string occasion, string date, string status)
        {
            var body = Bodies.Hope("same-person", occasion, date, Bodies.Uniform(3));
            Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(body)).StatusCode);
            await app.WaitForStatusAsync([(string)body["submissionId"]!], status);
            return (string)body["submissionId"]!;
        }
        await SubmitAsync("baseline", "2026-02-10", "aggregated");
        // The follow-up reaches the person's history, but its report writes fail until it is poisoned.
        var reports = app.Names.Reports;
        app.Faults!.FailBefore = r => r.IsWriteTo(reports);
        await SubmitAsync("followup", "2026-03-10", "rejected");
        app.Faults.FailBefore = _ => false;
        // A later fold recomputes the person from their history: the rejected follow-up must not be in it.
        await SubmitAsync("followup", "2026-04-10", "aggregated");

        var live = await ReportTextAsync(app);
        var months = JsonDocument.Parse(live).RootElement.GetProperty("month").GetProperty("periods");
        Assert.Equal([0, 0, 0, 1, 0, 1], months.EnumerateArray().Select(p => p.GetProperty("submissions").GetInt32()));
        await app.Client(TestApp.AdminKey).PostAsync("/api/manage/services/demo/rebuild", null);
        Assert.Equal(live, await ReportTextAsync(app));
    }

    [Fact]
    public async Task Replaying_the_poison_queue_never_revives_an_erased_submission()
    {
        await using var app = await TestApp.StartAsync(NoSuppression, faults: true);
        var (id, poisoned) = await PoisonOneAsync(app, "to-erase");
        Assert.Single(poisoned);
        app.Faults!.FailBefore = _ => false;
        var poison = app.Queue(app.Names.PoisonQueue);

        var admin = app.Client(TestApp.AdminKey);
        Assert.True((await admin.PostAsJsonAsync("/api/manage/services/demo/erasures", new { participantRef = "to-erase" })).IsSuccessStatusCode);
        var replay = await (await admin.PostAsync("/api/manage/poison/replay", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, replay.GetProperty("replayed").GetInt32());
        Assert.Equal(0, (await poison.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Equal("erased", (await app.Table(app.Names.Submissions).GetEntityAsync<Azure.Data.Tables.TableEntity>("demo", id)).Value.GetString("Status"));
    }

    [Fact]
    public async Task A_malformed_message_is_poisoned_with_its_reason_and_nothing_else_is_held_back()
    {
        await using var app = await TestApp.StartAsync(NoSuppression);
        await app.Queue(app.Names.SubmissionQueue).SendMessageAsync("not json at all");
        var body = Bodies.Hope("fine", "baseline", "2026-02-10", Bodies.Uniform(3));
        Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(body)).StatusCode);
        await app.WaitForStatusAsync([(string)body["submissionId"]!]);

        var poison = app.Queue(app.Names.PoisonQueue);
        for (var i = 0; i < 200 && (await poison.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0; i++)
            await Task.Delay(50);
        Assert.Equal("not json at all", Assert.Single((await poison.PeekMessagesAsync(10)).Value).MessageText);
        var record = Assert.Single((await app.Client(TestApp.AdminKey).GetFromJsonAsync<JsonElement>("/api/manage/poison")).EnumerateArray());
        Assert.Contains("not a submission reference", record.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task The_hand_checked_fixture_gives_the_same_figures_through_the_api()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:Reporting:MinCellSize"] = "5" });
        // Scores 20, 24, 28, 16, 30 at baseline; 30, 26, 20 (discharge), 24, 31 later: see the domain's ReportFigureTests.
        var bodies = new List<Dictionary<string, object?>>
        {
            Hope("A", "baseline", "2026-03-01", 20, new { admittedOn = "2026-02-01", dischargedOn = "2026-03-01" }),
            Hope("A", "followup", "2026-04-01", 30),
            Hope("B", "baseline", "2026-03-02", 24),
            Hope("B", "followup", "2026-04-01", 26, new { admittedOn = "2026-03-01", dischargedOn = "2026-03-11" }),
            Hope("C", "baseline", "2026-03-03", 28, new { admittedOn = "2026-03-01" }),
            Hope("C", "discharge", "2026-04-01", 20, new { admittedOn = "2026-03-01", dischargedOn = "2026-04-01" }),
            Hope("D", "baseline", "2026-03-04", 16, new { admittedOn = "2026-01-10", dischargedOn = "2026-01-20" }),
            Hope("D", "followup", "2026-04-02", 24),
            Hope("E", "baseline", "2026-03-05", 30),
            Hope("E", "followup", "2026-04-03", 31),
        };
        foreach (var body in bodies)
            Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(body)).StatusCode);
        await app.WaitForStatusAsync(bodies.Select(b => (string)b["submissionId"]!));

        var report = await app.ReportAsync("2026-01", "2026-04");
        var baseline = report.GetProperty("periods")[2].GetProperty("instruments").GetProperty("hope-core@1").GetProperty("occasions").GetProperty("baseline");
        Assert.Equal(23.6, baseline.GetProperty("mean").GetDouble());
        Assert.Equal(Math.Round(Math.Sqrt(32.8), 6), baseline.GetProperty("sd").GetDouble());
        Assert.Equal((24.0, 20.0, 28.0), (baseline.GetProperty("median").GetDouble(), baseline.GetProperty("q1").GetDouble(), baseline.GetProperty("q3").GetDouble()));
        var april = report.GetProperty("periods")[3].GetProperty("instruments").GetProperty("hope-core@1");
        var followup = april.GetProperty("change").GetProperty("followup");
        Assert.Equal((4, 4), (followup.GetProperty("pairs").GetInt32(), followup.GetProperty("people").GetInt32()));
        Assert.True(followup.GetProperty("suppressed").GetBoolean()); // four people, below five
        Assert.Equal(JsonValueKind.Null, followup.GetProperty("meanChange").ValueKind);
        Assert.Equal(1, april.GetProperty("change").GetProperty("discharge").GetProperty("pairs").GetInt32());

        var year = (await app.ReportAsync("2026", "2026", granularity: "year")).GetProperty("periods")[0];
        var stays = year.GetProperty("lengthOfStay");
        Assert.Equal((4, 4), (stays.GetProperty("stays").GetInt32(), stays.GetProperty("people").GetInt32()));
        Assert.True(stays.GetProperty("suppressed").GetBoolean()); // four people, below five
        Assert.Equal(JsonValueKind.Null, stays.GetProperty("meanDays").ValueKind);
        Assert.Equal(5, year.GetProperty("participants").GetInt32());
        Assert.False(year.GetProperty("instruments").GetProperty("hope-core@1").GetProperty("occasions").GetProperty("baseline").GetProperty("suppressed").GetBoolean());
    }

    [Fact]
    public async Task A_person_answering_eight_instruments_at_every_occasion_of_one_month_with_a_full_context_is_counted_in_every_part()
    {
        // 8 instruments x 3 occasions, cells and changes, in the service and 3 parts: 260 figure groups for one
        // person in one month, more than one transaction's 100 rows unless groups share rows.
        await using var app = await TestApp.StartAsync(NoSuppression);
        var admin = app.Client(TestApp.AdminKey);
        var instruments = Enumerable.Range(1, 8).Select(i => $"load-{i}").ToList();
        foreach (var id in instruments)
        {
            var definition = $$"""
                { "id": "{{id}}", "version": 1, "title": "Load {{id}}", "higherIsBetter": true,
                  "items": [ { "id": "a", "text": "Today went well.", "min": 0, "max": 4 }, { "id": "b", "text": "I slept well.", "min": 0, "max": 4 } ],
                  "scoring": { "method": "mean", "prorateMaxMissing": 0 } }
                """;
            Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/api/manage/instruments/{id}", TestApp.Json(definition))).StatusCode);
        }
        var occasions = new[] { ("baseline", "2026-05-04", 0), ("followup", "2026-05-14", 2), ("discharge", "2026-05-24", 3) };
        var ids = new List<string>();
        foreach (var (occasion, date, answer) in occasions)
        {
            var id = Guid.NewGuid().ToString();
            ids.Add(id);
            var response = await app.SubmitAsync(new Dictionary<string, object?>
            {
                ["submissionId"] = id,
                ["participantRef"] = "many-instruments",
                ["occasion"] = occasion,
                ["completedOn"] = date,
                ["responses"] = instruments.Select(i => new { instrument = i, answers = new Dictionary<string, int> { ["a"] = answer, ["b"] = answer } }).ToArray(),
                ["context"] = new { team = "ward-3", setting = "inpatient", peerWorker = "pw-1" },
            });
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        }
        await app.WaitForStatusAsync(ids);

        foreach (var by in new[] { "team", "setting", "peerWorker" })
        {
            var report = await app.Client(TestApp.ReportKey).GetFromJsonAsync<JsonElement>($"/api/reports/demo?from=2026-05&to=2026-05&by={by}");
            var part = Assert.Single(report.GetProperty("groups").EnumerateArray()).GetProperty("periods")[0];
            foreach (var figures in new[] { report.GetProperty("periods")[0], part })
                foreach (var id in instruments)
                {
                    var instrument = figures.GetProperty("instruments").GetProperty($"{id}@1");
                    foreach (var (occasion, _, answer) in occasions)
                        Assert.Equal((1, (double)answer), (instrument.GetProperty("occasions").GetProperty(occasion).GetProperty("n").GetInt32(), instrument.GetProperty("occasions").GetProperty(occasion).GetProperty("mean").GetDouble()));
                    Assert.Equal(2.0, instrument.GetProperty("change").GetProperty("followup").GetProperty("meanChange").GetDouble());
                    Assert.Equal(3.0, instrument.GetProperty("change").GetProperty("discharge").GetProperty("meanChange").GetDouble());
                }
        }
    }

    /// <summary>A hope-core body whose score is exactly the one given (8..40): answers chosen to sum to it.</summary>
    private static Dictionary<string, object?> Hope(string participant, string occasion, string date, int score, object? stay = null)
    {
        var answers = new int[8];
        var remaining = score;
        for (var i = 0; i < 8; i++)
        {
            var keyed = Math.Clamp(remaining - (7 - i), 1, 5);
            remaining -= keyed;
            answers[i] = i is 2 or 5 ? 6 - keyed : keyed;
        }
        return Bodies.Hope(participant, occasion, date, answers, stay);
    }
}
