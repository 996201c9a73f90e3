using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using PeerEval.Functions.Tests.Infrastructure;
using PeerEval.Testing;
using static PeerEval.Testing.Bodies;

namespace PeerEval.Functions.Tests.Reliability;

public sealed class ReliabilityTests
{
    private static readonly Dictionary<string, string?> NoSuppression = new() { ["PeerEval:Reporting:MinCellSize"] = "0" };
    private static readonly Dictionary<string, string?> GivenUpAfterTwoTries = new(NoSuppression) { ["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"] = "2" };

    [Fact]
    public async Task When_storage_is_down_a_submission_gets_503_with_retry_after_and_nothing_half_stored()
    {
        await using var app = await TestApp.StartAsync(NoSuppression, faults: true);
        var submissions = app.Names.Submissions;
        app.Faults!.FailBefore = r => r.IsWriteTo(submissions);

        var body = Hope("fault-1", "baseline", "2026-03-01", Uniform(3));
        var response = await app.SubmitAsync(body);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Empty(await app.Table(submissions).QueryAsync<TableEntity>().ToListAsync());

        app.Faults!.FailBefore = _ => false;
        Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(body)).StatusCode);
        await app.WaitForStatusAsync([(string)body["submissionId"]!]);
    }

    [Fact]
    public async Task A_submission_stored_but_not_queued_is_healed_by_the_clients_retry()
    {
        await using var app = await TestApp.StartAsync(NoSuppression, faults: true);
        var queue = app.Names.SubmissionQueue;
        app.Faults!.FailBefore = r => r.IsSendTo(queue);

        var body = Hope("fault-2", "baseline", "2026-03-01", Uniform(4));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await app.SubmitAsync(body)).StatusCode);
        app.Faults!.FailBefore = _ => false;
        Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(body)).StatusCode); // same id, same body
        await app.WaitForStatusAsync([(string)body["submissionId"]!]);
        var cell = (await app.ReportAsync("2026-03", "2026-03")).GetProperty("periods")[0].GetProperty("instruments").GetProperty("hope-core@1").GetProperty("occasions").GetProperty("baseline");
        Assert.Equal(1, cell.GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task An_erasure_that_lands_while_the_person_is_being_aggregated_wins_and_leaves_no_row_keyed_by_them()
    {
        await using var app = await TestApp.StartAsync(NoSuppression, faults: true);
        var participants = app.Names.Participants;
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = 0;
        app.Faults!.Hold = async request =>
        {
            // The aggregator has read the submission; its first write of the person's history waits for the erasure.
            if (request.IsWriteTo(participants) && Interlocked.Exchange(ref held, 1) == 0)
            {
                reached.SetResult();
                await release.Task;
            }
        };
        var body = Hope("racing", "baseline", "2026-03-01", Uniform(4));
        Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(body)).StatusCode);
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var admin = app.Client(TestApp.AdminKey);
        var erased = await (await admin.PostAsJsonAsync("/api/manage/services/demo/erasures", new { participantRef = "racing" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, erased.GetProperty("erasedSubmissions").GetInt32());
        release.SetResult();

        // The fold goes on with the submission it read before the erasure, and must take back all it adds.
        var reportRows = app.Table(app.Names.Reports);
        async Task<int> TracesAsync() =>
            (await app.Table(participants).QueryAsync<TableEntity>().CountAsync())
            + (await reportRows.QueryAsync<TableEntity>().Where(r => !r.RowKey.StartsWith('~')).CountAsync());
        for (var i = 0; i < 100 && (await TracesAsync() > 0 || (await app.Queue(app.Names.SubmissionQueue).GetPropertiesAsync()).Value.ApproximateMessagesCount > 0); i++)
            await Task.Delay(100);
        Assert.Equal(0, await TracesAsync());
        var march = (await app.ReportAsync("2026-03", "2026-03")).GetProperty("periods")[0];
        Assert.Equal((0, 0), (march.GetProperty("submissions").GetInt32(), march.GetProperty("participants").GetInt32()));
        var row = (await app.Table(app.Names.Submissions).GetEntityAsync<TableEntity>("demo", (string)body["submissionId"]!)).Value;
        Assert.Equal("erased", row.GetString("Status"));
    }

    [Fact]
    public async Task A_take_back_that_failed_between_the_history_and_the_months_is_finished_by_the_replay_of_its_poison_message()
    {
        await using var app = await TestApp.StartAsync(
            GivenUpAfterTwoTries, faults: true);
        var (reports, failures) = (app.Names.Reports, app.Names.Failures);
        var old = Hope("returning", "baseline", "2026-03-05", Uniform(3), new { admittedOn = "2026-02-20", dischargedOn = "2026-03-03" });
        var oldId = (string)old["submissionId"]!;
        // The fold of the old submission writes its months, then can never mark it counted; the first such
        // mark waits while the person is erased and comes back with a new submission.
        var marksOld = MarksCounted(app, oldId);
        var (reached, release) = (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var (held, reportsDown) = (0, false);
        app.Faults!.Hold = async r =>
        {
            if (marksOld(r) && Interlocked.Exchange(ref held, 1) == 0)
            {
                reached.SetResult();
                await release.Task;
            }
            // The message is given up on: from here its take-back writes the history, and every month write fails.
            if (r.IsWriteTo(failures))
                reportsDown = true;
        };
        app.Faults.FailBefore = r => marksOld(r) || (reportsDown && r.IsWriteTo(reports));

        Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(old)).StatusCode);
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var admin = app.Client(TestApp.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync("/api/manage/services/demo/erasures", new { participantRef = "returning" })).StatusCode);
        var again = Hope("returning", "followup", "2026-03-20", Uniform(4));
        Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(again)).StatusCode);
        await app.WaitForStatusAsync([(string)again["submissionId"]!]);

        // Each try adds the erased submission to the new history and writes it to March; the poison path takes it
        // out of the history, and its month write fails.
        release.SetResult();
        await ReplayOnceGivenUpAsync(app, admin);
        Assert.True(reportsDown, "the take-back's month writes never failed: the race did not happen");
        var march = (await app.ReportAsync("2026-03", "2026-03")).GetProperty("periods")[0];
        Assert.Equal(0, march.GetProperty("lengthOfStay").GetProperty("stays").GetInt32());
        Assert.Equal((1, 1), (march.GetProperty("submissions").GetInt32(), march.GetProperty("participants").GetInt32()));
        var live = await AggregationTests.ReportTextAsync(app);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/api/manage/services/demo/rebuild", null)).StatusCode);
        Assert.Equal(live, await AggregationTests.ReportTextAsync(app));
    }

    [Fact]
    public async Task A_fold_that_read_the_history_before_an_erasure_and_never_reaches_its_check_brings_back_nothing_erased()
    {
        await using var app = await TestApp.StartAsync(
            GivenUpAfterTwoTries, faults: true);
        var reports = app.Names.Reports;
        var january = Hope("leaving", "baseline", "2026-01-10", Uniform(3));
        Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(january)).StatusCode);
        await app.WaitForStatusAsync([(string)january["submissionId"]!]);

        // The fold of their March submission has written their history (January and March) when the erasure runs
        // whole; then it can never mark its submission, so it never learns of the erasure itself.
        var march = Hope("leaving", "followup", "2026-03-10", Uniform(4));
        var marchId = (string)march["submissionId"]!;
        var (reached, release) = (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var held = 0;
        app.Faults!.HoldAnswer = async r =>
        {
            if (r.IsWriteTo(app.Names.Participants) && r.Body.Contains(marchId) && Interlocked.Exchange(ref held, 1) == 0)
            {
                reached.SetResult();
                await release.Task;
            }
        };
        app.Faults.FailBefore = MarksCounted(app, marchId);
        Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(march)).StatusCode);
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var admin = app.Client(TestApp.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync("/api/manage/services/demo/erasures", new { participantRef = "leaving" })).StatusCode);
        release.SetResult();

        await ReplayOnceGivenUpAsync(app, admin);

        foreach (var period in (await app.ReportAsync("2026-01", "2026-03")).GetProperty("periods").EnumerateArray())
            Assert.Equal((0, 0), (period.GetProperty("submissions").GetInt32(), period.GetProperty("participants").GetInt32()));
        Assert.Empty(await app.Table(reports).QueryAsync<TableEntity>().Where(r => !r.RowKey.StartsWith('~')).ToListAsync());
        Assert.Empty(await app.Table(app.Names.Participants).QueryAsync<TableEntity>().ToListAsync());
    }

    /// <summary>The aggregator marking the submission counted: the one transaction on the submissions table that names it.</summary>
    private static Func<StorageRequest, bool> MarksCounted(TestApp app, string submissionId) =>
        r => r.IsWriteTo(app.Names.Submissions) && r.Path.EndsWith("/$batch", StringComparison.Ordinal) && r.Body.Contains(submissionId, StringComparison.Ordinal);

    /// <summary>Waits until a message has been given up on, then ends the faults and replays the poison queue in full.</summary>
    private static async Task ReplayOnceGivenUpAsync(TestApp app, HttpClient admin)
    {
        var poison = app.Queue(app.Names.PoisonQueue);
        for (var i = 0; i < 300 && (await poison.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0; i++)
            await Task.Delay(100);
        Assert.True((await poison.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0, "no message was given up on");
        app.Faults!.FailBefore = _ => false;
        var replay = await (await admin.PostAsync("/api/manage/poison/replay", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, replay.GetProperty("failed").GetInt32());
    }

    [Fact]
    public async Task Erasing_a_participant_removes_their_submissions_recomputes_the_reports_and_is_audited()
    {
        await using var app = await TestApp.StartAsync(NoSuppression);
        var bodies = new[]
        {
            Hope("stays", "baseline", "2026-03-01", Uniform(2)),
            Hope("erase-me", "baseline", "2026-03-02", Uniform(5), new { admittedOn = "2026-02-01", dischargedOn = "2026-03-01" }),
            Hope("erase-me", "followup", "2026-04-02", Uniform(4)),
        };
        foreach (var body in bodies)
            Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(body)).StatusCode);
        await app.WaitForStatusAsync(bodies.Select(b => (string)b["submissionId"]!));

        var admin = app.Client(TestApp.AdminKey);
        var erased = await (await admin.PostAsJsonAsync("/api/manage/services/demo/erasures", new { participantRef = "erase-me" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, erased.GetProperty("erasedSubmissions").GetInt32());

        var report = await app.ReportAsync("2026", "2026", granularity: "year");
        var year = report.GetProperty("periods")[0];
        Assert.Equal(1, year.GetProperty("submissions").GetInt32());
        Assert.Equal(1, year.GetProperty("participants").GetInt32());
        Assert.Equal(0, year.GetProperty("lengthOfStay").GetProperty("stays").GetInt32());
        Assert.Equal(12.0 + 8, year.GetProperty("instruments").GetProperty("hope-core@1").GetProperty("occasions").GetProperty("baseline").GetProperty("mean").GetDouble());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/services/demo/submissions/{bodies[1]["submissionId"]}")).StatusCode);

        // Nothing of theirs is left: no scores, no answers, no hash on the tombstones.
        var rows = await app.Table(app.Names.Submissions).QueryAsync<TableEntity>().ToListAsync();
        Assert.Equal(2, rows.Count(r => r.GetString("Status") == "erased" && !r.ContainsKey("Observation") && !r.ContainsKey("Answers") && !r.ContainsKey("Participant")));

        // The report equals a rebuild, and the audit says what happened and by whom, not to whom.
        var before = JsonSerializer.Serialize(year);
        await admin.PostAsync("/api/manage/services/demo/rebuild", null);
        Assert.Equal(before, JsonSerializer.Serialize((await app.ReportAsync("2026", "2026", granularity: "year")).GetProperty("periods")[0]));
        var audit = Assert.Single((await admin.GetFromJsonAsync<JsonElement>("/api/manage/services/demo/audit")).EnumerateArray());
        Assert.Equal("erase-participant", audit.GetProperty("action").GetString());
        Assert.Equal(2, audit.GetProperty("submissions").GetInt32());
        Assert.DoesNotContain("erase-me", audit.GetRawText());
    }

    [Fact]
    public async Task A_caller_over_its_rate_gets_429_with_retry_after_and_other_callers_are_unaffected()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:RateLimit:PermitsPerMinute"] = "5" }, queueTriggers: false);
        var reporter = app.Client(TestApp.ReportKey);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
            statuses.Add((await reporter.GetAsync("/api/reports/demo?from=2026-01&to=2026-01")).StatusCode);
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        var limited = await reporter.GetAsync("/api/reports/demo?from=2026-01&to=2026-01");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter!.Delta > TimeSpan.Zero);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType!.MediaType);

        Assert.Equal(HttpStatusCode.OK, (await app.Client(TestApp.AdminKey).GetAsync("/api/manage/poison")).StatusCode);
        var form = app.Client();
        form.DefaultRequestHeaders.Add("Origin", "https://one.example");
        for (var i = 0; i < 5; i++)
            await form.GetAsync("/api/instruments");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await form.GetAsync("/api/instruments")).StatusCode);
    }

    [Fact]
    public async Task Made_up_keys_and_forwarded_addresses_buy_no_fresh_allowance()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:RateLimit:PermitsPerMinute"] = "5" }, queueTriggers: false);
        var statuses = new List<HttpStatusCode>();
        var client = app.Client();
        for (var i = 0; i < 1000; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/instruments");
            request.Headers.Authorization = new("Bearer", "pe_made-up-" + Guid.NewGuid());
            request.Headers.Add("X-Forwarded-For", $"203.0.{i / 256}.{i % 256}");
            request.Headers.Add("Origin", $"https://site{i}.example");
            statuses.Add((await client.SendAsync(request)).StatusCode);
        }
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(995, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task Logs_never_hold_a_raw_participant_reference_a_key_or_the_deployment_secret()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>(NoSuppression) { ["Logging:LogLevel:Default"] = "Trace" }, faults: true);
        const string secretRef = "Jane-Doe-NHS-943-476-5919";
        var ok = Hope(secretRef, "baseline", "2026-03-01", Uniform(3));
        Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(ok)).StatusCode);
        await app.WaitForStatusAsync([(string)ok["submissionId"]!]);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.SubmitAsync(Hope(secretRef, "sometime", "2026-03-01", Uniform(3)))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.SubmitAsync(ok, key: "pe_forged-secret-key-value")).StatusCode);

        var reports = app.Names.Reports;
        app.Faults!.FailBefore = r => r.IsWriteTo(reports);
        var failing = Hope(secretRef, "followup", "2026-04-01", Uniform(4));
        Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(failing)).StatusCode);
        await app.WaitForStatusAsync([(string)failing["submissionId"]!], "rejected");

        Assert.NotEmpty(app.Logs);
        Assert.Contains(app.Logs, l => l.Contains("poisoned", StringComparison.Ordinal));
        foreach (var secret in new[] { secretRef, "NHS-943", TestApp.SubmitKey, TestApp.AdminKey, "pe_forged-secret-key-value", "test-participant-key-0123456789" })
            Assert.DoesNotContain(app.Logs, l => l.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_function_that_throws_answers_a_problem_500_not_the_empty_200_the_worker_would_give_the_host()
    {
        await using var app = await TestApp.StartAsync(NoSuppression, queueTriggers: false);
        // A stored instrument definition that no longer reads: the catalog throws a JsonException.
        await app.Table(app.Names.Instruments).AddEntityAsync(new TableEntity("instrument", "broken") { ["Definition"] = "{ not json" });

        var response = await app.Client().GetAsync("/api/instruments");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("Unexpected error", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task Every_response_carries_the_security_headers()
    {
        await using var app = await TestApp.StartAsync(queueTriggers: false);
        foreach (var (path, key) in new[] { ("/api/health", null), ("/api/instruments", null), ("/api/reports/demo", (string?)null), ("/api/reports/demo", TestApp.SubmitKey) })
        {
            var response = await app.Client(key).GetAsync(path);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
            Assert.Contains("no-store", response.Headers.CacheControl!.ToString());
        }
    }
}
