using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerEval.Functions.Tests.Infrastructure;
using PeerEval.Testing;
using static PeerEval.Testing.Bodies;

namespace PeerEval.Functions.Tests;

public sealed class WalkingSkeletonTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:Reporting:MinCellSize"] = "0" });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Health_answers_ok_when_storage_answers()
    {
        var health = await _app.Client().GetFromJsonAsync<JsonElement>("/api/health");
        Assert.Equal("ok", health.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Submissions_flow_through_the_queue_into_the_monthly_report()
    {
        // hope-core score for uniform answers v: 6v + 2(6 - v) = 4v + 12.
        var bodies = new[]
        {
            Hope("p1", "baseline", "2026-03-02", Uniform(2)),   // 20
            Hope("p2", "baseline", "2026-03-09", Uniform(3)),   // 24
            Hope("p3", "baseline", "2026-03-20", Uniform(4)),   // 28
            Hope("p1", "followup", "2026-04-02", Uniform(4)),   // 28, change +8
        };
        foreach (var body in bodies)
        {
            var response = await _app.SubmitAsync(body);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("queued", accepted.GetProperty("status").GetString());
            Assert.Equal($"/api/services/demo/submissions/{body["submissionId"]}", response.Headers.Location!.OriginalString);
        }
        await _app.WaitForStatusAsync(bodies.Select(b => (string)b["submissionId"]!));

        var report = await _app.ReportAsync("2026-03", "2026-04");
        var march = report.GetProperty("periods")[0];
        Assert.Equal("2026-03", march.GetProperty("period").GetString());
        Assert.Equal(3, march.GetProperty("submissions").GetInt32());
        Assert.Equal(3, march.GetProperty("participants").GetInt32());
        var baseline = march.GetProperty("instruments").GetProperty("hope-core@1").GetProperty("occasions").GetProperty("baseline");
        Assert.Equal(3, baseline.GetProperty("n").GetInt32());
        Assert.Equal(24.0, baseline.GetProperty("mean").GetDouble(), 9);

        var april = report.GetProperty("periods")[1];
        Assert.Equal(1, april.GetProperty("submissions").GetInt32());
        var change = april.GetProperty("instruments").GetProperty("hope-core@1").GetProperty("change").GetProperty("followup");
        Assert.Equal(1, change.GetProperty("pairs").GetInt32());
        Assert.Equal(8.0, change.GetProperty("meanChange").GetDouble(), 9);

        var year = (await _app.ReportAsync("2026", "2026", granularity: "year")).GetProperty("periods")[0];
        Assert.Equal(4, year.GetProperty("submissions").GetInt32());
        Assert.Equal(3, year.GetProperty("participants").GetInt32()); // distinct over the year, not 3 + 1
    }

    [Fact]
    public async Task A_message_the_host_delivers_twice_is_counted_once()
    {
        var body = Hope("host-1", "baseline", "2026-05-05", Uniform(5));
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:Reporting:MinCellSize"] = "0" }, queueTriggers: false);
        Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(body)).StatusCode);
        var queue = app.Queue(app.Names.SubmissionQueue);
        var queued = (await queue.PeekMessageAsync()).Value;
        await queue.SendMessageAsync(queued.MessageText); // the same message again, as an at-least-once queue may deliver it

        await using var worker = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:Reporting:MinCellSize"] = "0" }, prefix: app.Prefix, keepStorage: true);
        await worker.WaitForStatusAsync([(string)body["submissionId"]!]);
        await AggregationTests.WaitForEmptyQueueAsync(worker);
        var cell = (await worker.ReportAsync("2026-05", "2026-05")).GetProperty("periods")[0]
            .GetProperty("instruments").GetProperty("hope-core@1").GetProperty("occasions").GetProperty("baseline");
        Assert.Equal(1, cell.GetProperty("n").GetInt32());
        Assert.Equal(32.0, cell.GetProperty("mean").GetDouble());
    }

    [Fact]
    public async Task A_message_for_a_missing_submission_is_retried_then_poisoned_with_its_reason()
    {
        var message = """{"serviceId":"demo","submissionId":"nope"}""";
        await _app.Queue(_app.Names.SubmissionQueue).SendMessageAsync(message);

        var poison = _app.Queue(_app.Names.PoisonQueue);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await poison.PeekMessageAsync()).Value is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the message never reached the poison queue");
            await Task.Delay(100);
        }
        Assert.Equal(message, (await poison.PeekMessageAsync()).Value.MessageText);
        var record = Assert.Single((await _app.Client(TestApp.AdminKey).GetFromJsonAsync<JsonElement>("/api/manage/poison")).EnumerateArray());
        Assert.Equal(5, record.GetProperty("dequeueCount").GetInt32());
        Assert.Contains("No stored submission", record.GetProperty("reason").GetString());
    }
}
