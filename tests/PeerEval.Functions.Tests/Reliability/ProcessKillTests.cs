using System.Net;
using Azure.Data.Tables;
using CsCheck;
using PeerEval.Functions.Tests.Infrastructure;
using PeerEval.Testing;

namespace PeerEval.Functions.Tests.Reliability;

/// <summary>
/// The worker is killed outright (SIGKILL) in the middle of its work, as a crash or a scale-in would;
/// the host starts a new one, which must finish the work exactly.
/// </summary>
public sealed class ProcessKillTests
{
    [Fact]
    public async Task Killing_the_worker_mid_batch_and_starting_a_new_one_gives_figures_equal_to_a_rebuild()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["PeerEval:Reporting:MinCellSize"] = "0",
            ["AzureFunctionsJobHost:extensions:queues:batchSize"] = "2",
            ["AzureFunctionsJobHost:extensions:queues:newBatchThreshold"] = "1",
        });
        var submissions = RawSubmission.Generator.Array[150].Single();
        // Sent at once, so the backlog is there before aggregation can catch up with it and the kill lands mid-way.
        var answers = await Task.WhenAll(submissions.Select(s => app.SubmitAsync(s.Body())));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));

        var table = app.Table(app.Names.Submissions);
        async Task<int> AggregatedAsync() =>
            await table.QueryAsync<TableEntity>(e => e.GetString("Status") == "aggregated", select: ["RowKey"]).CountAsync();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await AggregatedAsync() == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the worker never started aggregating");
            await Task.Delay(10);
        }
        app.Host.KillWorker();
        var done = await AggregatedAsync();
        Assert.True(done < submissions.Length, $"the kill came too late to interrupt anything ({done} aggregated)");

        await app.Host.RestartWorkerAsync();
        await app.WaitForStatusAsync(submissions.Select(s => s.Id), seconds: 120);
        await AggregationTests.WaitForEmptyQueueAsync(app);

        var aggregated = await AggregationTests.ReportTextAsync(app);
        AggregationTests.AssertMatchesReference(System.Text.Json.JsonDocument.Parse(aggregated).RootElement, submissions);
        Assert.Equal(HttpStatusCode.OK, (await app.Client(TestApp.AdminKey).PostAsync("/api/manage/services/demo/rebuild", null)).StatusCode);
        Assert.Equal(aggregated, await AggregationTests.ReportTextAsync(app));
    }
}
