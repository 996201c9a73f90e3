using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using PeerEval.Functions.Tests.Infrastructure;
using PeerEval.Testing;
using static PeerEval.Testing.Bodies;

namespace PeerEval.Functions.Tests;

/// <summary>Every rule of the contract: the status, the field it names, and that nothing was stored or queued.</summary>
public sealed class SubmissionValidationTests : IAsyncLifetime
{
    private TestApp _app = null!;

    // The listener is off so that anything wrongly queued would still be there to find.
    public async Task InitializeAsync() => _app = await TestApp.StartAsync(queueTriggers: false);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public static TheoryData<string, string, string> InvalidBodies()
    {
        const string ok = """ "submissionId": "s-1", "participantRef": "p-1", "occasion": "baseline", "completedOn": "2026-03-01" """;
        const string answers = """ "h1": 3, "h2": 3, "h3": 3, "h4": 3, "h5": 3, "h6": 3, "h7": 3 """;
        return new TheoryData<string, string, string>
        {
            { "unknown instrument", $$"""{ {{ok}}, "responses": [ { "instrument": "no-such", "answers": {} } ] }""", "responses[0].instrument" },
            { "unknown item", $$"""{ {{ok}}, "responses": [ { "instrument": "hope-core", "answers": { {{answers}}, "h8": 3, "h99": 1 } } ] }""", "responses[0].answers.h99" },
            { "out of range", $$"""{ {{ok}}, "responses": [ { "instrument": "hope-core", "answers": { {{answers}}, "h8": 6 } } ] }""", "responses[0].answers.h8" },
            { "below range", $$"""{ {{ok}}, "responses": [ { "instrument": "hope-core", "answers": { {{answers}}, "h8": 0 } } ] }""", "responses[0].answers.h8" },
            { "not a whole number", $$"""{ {{ok}}, "responses": [ { "instrument": "hope-core", "answers": { {{answers}}, "h8": 2.5 } } ] }""", "responses[0].answers.h8" },
            { "a string answer", $$"""{ {{ok}}, "responses": [ { "instrument": "hope-core", "answers": { {{answers}}, "h8": "3" } } ] }""", "responses[0].answers.h8" },
            { "too many skipped", $$"""{ {{ok}}, "responses": [ { "instrument": "hope-core", "answers": { "h1": 3, "h2": null } } ] }""", "responses[0].answers" },
            { "before 2000", """{ "submissionId": "s-1", "participantRef": "p", "occasion": "baseline", "completedOn": "1999-12-31", "stay": { "admittedOn": "1999-01-01" } }""", "completedOn" },
            { "blank participant", """{ "submissionId": "s-1", "participantRef": " \t ", "occasion": "baseline", "completedOn": "2026-03-01", "stay": { "admittedOn": "2026-01-01" } }""", "participantRef" },
            { "a lone surrogate (not Unicode text)", """{ "submissionId": "s-1", "participantRef": "p\ud800", "occasion": "baseline", "completedOn": "2026-03-01", "stay": { "admittedOn": "2026-01-01" } }""", "$" },
            { "future date", """{ "submissionId": "s-1", "participantRef": "p", "occasion": "baseline", "completedOn": "2999-01-01", "responses": [] , "stay": { "admittedOn": "2026-01-01" } }""", "completedOn" },
            { "malformed date", """{ "submissionId": "s-1", "participantRef": "p", "occasion": "baseline", "completedOn": "01/03/2026", "stay": { "admittedOn": "2026-01-01" } }""", "completedOn" },
            { "impossible date", """{ "submissionId": "s-1", "participantRef": "p", "occasion": "baseline", "completedOn": "2026-02-30", "stay": { "admittedOn": "2026-01-01" } }""", "completedOn" },
            { "unknown property", $$"""{ {{ok}}, "stay": { "admittedOn": "2026-01-01" }, "notes": "free text" }""", "notes" },
            { "unknown stay property", $$"""{ {{ok}}, "stay": { "admittedOn": "2026-01-01", "ward": "x" } }""", "stay.ward" },
            { "duplicate instrument", $$"""{ {{ok}}, "responses": [ { "instrument": "hope-core", "answers": { {{answers}}, "h8": 3 } }, { "instrument": "hope-core", "answers": { {{answers}}, "h8": 3 } } ] }""", "responses[1].instrument" },
            { "discharged before admitted", $$"""{ {{ok}}, "stay": { "admittedOn": "2026-02-01", "dischargedOn": "2026-01-01" } }""", "stay.dischargedOn" },
            { "unknown occasion", """{ "submissionId": "s-1", "participantRef": "p", "occasion": "midway", "completedOn": "2026-03-01", "stay": { "admittedOn": "2026-01-01" } }""", "occasion" },
            { "missing participant", """{ "submissionId": "s-1", "occasion": "baseline", "completedOn": "2026-03-01", "stay": { "admittedOn": "2026-01-01" } }""", "participantRef" },
            { "bad submission id", """{ "submissionId": "a/b", "participantRef": "p", "occasion": "baseline", "completedOn": "2026-03-01", "stay": { "admittedOn": "2026-01-01" } }""", "submissionId" },
            { "a name as team code", $$"""{ {{ok}}, "context": { "team": "Jane Smith" }, "stay": { "admittedOn": "2026-01-01" } }""", "context.team" },
            { "unknown setting", $$"""{ {{ok}}, "context": { "setting": "ward" }, "stay": { "admittedOn": "2026-01-01" } }""", "context.setting" },
            { "free text in context", $$"""{ {{ok}}, "context": { "notes": "had a hard week" }, "stay": { "admittedOn": "2026-01-01" } }""", "context.notes" },
            { "peer worker code too long", $$"""{ {{ok}}, "context": { "peerWorker": "{{new string('p', 65)}}" }, "stay": { "admittedOn": "2026-01-01" } }""", "context.peerWorker" },
            { "nothing to record", $$"""{ {{ok}}, "responses": [] }""", "responses" },
            { "a property given twice", $$"""{ {{ok}}, "occasion": "followup", "stay": { "admittedOn": "2026-01-01" } }""", "occasion" },
            { "not an object", "[1, 2, 3]", "$" },
            { "malformed JSON", "{ \"submissionId\": ", "$" },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task An_invalid_submission_is_refused_naming_the_field_and_nothing_is_stored(string rule, string body, string field)
    {
        var response = await _app.Client(TestApp.SubmitKey).PostAsync("/api/services/demo/submissions", TestApp.Json(body));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{rule}: {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains(field, errors);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task A_body_over_64_KiB_is_refused_with_413()
    {
        var body = JsonSerializer.Serialize(Hope("p", "baseline", "2026-03-01", Uniform(3))).Replace("\"participantRef\"", $"\"pad\": \"{new string('x', 70_000)}\", \"participantRef\"");
        var response = await _app.Client(TestApp.SubmitKey).PostAsync("/api/services/demo/submissions", TestApp.Json(body));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        await AssertNothingStoredAsync();
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task A_body_that_is_not_json_is_refused_with_415(string contentType)
    {
        var body = JsonSerializer.Serialize(Hope("p", "baseline", "2026-03-01", Uniform(3)));
        var response = await _app.Client(TestApp.SubmitKey).PostAsync("/api/services/demo/submissions", TestApp.Json(body, contentType));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task The_same_submission_again_is_accepted_and_stored_once_but_a_changed_body_is_a_conflict()
    {
        var body = Hope("p-7", "baseline", "2026-03-01", Uniform(3), id: "same-id");
        Assert.Equal(HttpStatusCode.Accepted, (await _app.SubmitAsync(body)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await _app.SubmitAsync(body)).StatusCode);

        var changed = Hope("p-7", "baseline", "2026-03-01", Uniform(4), id: "same-id");
        var conflict = await _app.SubmitAsync(changed);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal("application/problem+json", conflict.Content.Headers.ContentType!.MediaType);

        var rows = await _app.Table(_app.Names.Submissions).QueryAsync<TableEntity>().ToListAsync();
        Assert.Single(rows);
    }

    [Fact]
    public async Task A_reference_typed_two_ways_is_one_person_for_pairing_and_for_erasure()
    {
        var baseline = Hope(" Jos\u00e9-12", "baseline", "2026-03-01", Uniform(3));
        var followup = Hope("Jose\u0301-12 ", "followup", "2026-04-01", Uniform(4));
        followup["context"] = new { team = "ward-3", setting = "inpatient", peerWorker = "pw-07" };
        foreach (var body in new[] { baseline, followup })
            Assert.Equal(HttpStatusCode.Accepted, (await _app.SubmitAsync(body)).StatusCode);
        var rows = await _app.Table(_app.Names.Submissions).QueryAsync<TableEntity>().ToListAsync();
        Assert.Single(rows.Select(r => r.GetString("Participant")).Distinct());

        var erased = await (await _app.Client(TestApp.AdminKey).PostAsJsonAsync("/api/manage/services/demo/erasures", new { participantRef = "Jos\u00e9-12" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, erased.GetProperty("erasedSubmissions").GetInt32());
    }

    [Fact]
    public async Task A_person_at_the_submission_limit_gets_a_clear_400_and_retries_still_succeed()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:Intake:MaxSubmissionsPerParticipant"] = "3" });
        var bodies = Enumerable.Range(1, 3).Select(day => Hope("busy", "followup", $"2026-03-{day:D2}", Uniform(3))).ToList();
        foreach (var body in bodies)
            Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(body)).StatusCode);
        await app.WaitForStatusAsync(bodies.Select(b => (string)b["submissionId"]!));

        var over = await app.SubmitAsync(Hope("busy", "followup", "2026-03-04", Uniform(3)));
        Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
        Assert.Contains("3 submissions", (await over.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("participantRef")[0].GetString());
        Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(bodies[2])).StatusCode); // the same submission again
        Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(Hope("someone-else", "followup", "2026-03-04", Uniform(3)))).StatusCode);
    }

    [Fact]
    public async Task A_burst_that_passes_intake_before_any_of_it_is_counted_still_stops_at_the_limit_and_the_rest_end_rejected_with_the_reason()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["PeerEval:Intake:MaxSubmissionsPerParticipant"] = "3",
            ["PeerEval:Reporting:MinCellSize"] = "0",
            ["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"] = "2",
        });
        var bodies = Enumerable.Range(1, 12).Select(day => Hope("bursty", "followup", $"2026-03-{day:D2}", Uniform(3))).ToList();
        var answers = await Task.WhenAll(bodies.Select(b => app.SubmitAsync(b)));
        var accepted = bodies.Zip(answers).Where(x => x.Second.StatusCode == HttpStatusCode.Accepted).Select(x => (string)x.First["submissionId"]!).ToList();
        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.BadRequest, a.StatusCode.ToString()));
        Assert.True(accepted.Count > 3, $"only {accepted.Count} passed intake: the burst did not get ahead of aggregation");

        var admin = app.Client(TestApp.AdminKey);
        async Task<string[]> StatusesAsync() => await Task.WhenAll(accepted.Select(async id =>
            (await admin.GetFromJsonAsync<JsonElement>($"/api/services/demo/submissions/{id}")).GetProperty("status").GetString()!));
        var statuses = await StatusesAsync();
        for (var i = 0; i < 300 && statuses.Any(s => s == "queued"); i++)
        {
            await Task.Delay(100);
            statuses = await StatusesAsync();
        }
        Assert.Equal(3, statuses.Count(s => s == "aggregated"));
        Assert.Equal(accepted.Count - 3, statuses.Count(s => s == "rejected"));
        var rejected = accepted.Zip(statuses).First(x => x.Second == "rejected").First;
        Assert.Contains("3 submissions", (await admin.GetFromJsonAsync<JsonElement>($"/api/services/demo/submissions/{rejected}")).GetProperty("reason").GetString());
        Assert.Equal(3, (await app.ReportAsync("2026-03", "2026-03")).GetProperty("periods")[0].GetProperty("submissions").GetInt32());
    }

    [Fact]
    public async Task The_participant_reference_is_stored_only_as_a_keyed_hash()
    {
        var body = Hope("NHS-1234567", "baseline", "2026-03-01", Uniform(3));
        Assert.Equal(HttpStatusCode.Accepted, (await _app.SubmitAsync(body)).StatusCode);
        var row = Assert.Single(await _app.Table(_app.Names.Submissions).QueryAsync<TableEntity>().ToListAsync());
        Assert.DoesNotContain(row, p => p.Value?.ToString()?.Contains("NHS-1234567") == true);
        Assert.Matches("^[0-9a-f]{64}$", row.GetString("Participant"));
    }

    private async Task AssertNothingStoredAsync()
    {
        Assert.Empty(await _app.Table(_app.Names.Submissions).QueryAsync<TableEntity>().ToListAsync());
        var queue = (await _app.Queue(_app.Names.SubmissionQueue).GetPropertiesAsync()).Value;
        Assert.Equal(0, queue.ApproximateMessagesCount);
    }
}
