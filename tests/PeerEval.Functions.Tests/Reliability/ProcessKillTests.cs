using System.Net;
using Azure.Data.Tables;
using CsCheck;
using PeerEval.Functions.Tests.Infrastructure;
using PeerEval.Testing;

namespace PeerEval.Functions.Tests.Reliability;

/// <summary>The aggregating process is killed outright (SIGKILL) in the middle of its work; a restart must finish it exactly.</summary>
public sealed class ProcessKillTests
{
    [Fact]
    public async Task Killing_the_aggregator_mid_batch_and_restarting_it_gives_figures_equal_to_a_rebuild()
    {
        // This app only takes submissions and serves reports; the aggregator is a separate process.
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["PeerEval:Reporting:MinCellSize"] = "0",
            ["PeerEval:Queue:ListenerEnabled"] = "false",
        });
        var submissions = RawSubmission.Generator.Array[150].Single();
        foreach (var submission in submissions)
            Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(submission.Body())).StatusCode);

        var table = app.Table(app.Names.Submissions);
        async Task<int> AggregatedAsync() =>
            await table.QueryAsync<TableEntity>(e => e.GetString("Status") == "aggregated", select: ["RowKey"]).CountAsync();

        await using (var first = await StartAggregatorAsync(app))
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (await AggregatedAsync() == 0)
            {
                Assert.True(DateTime.UtcNow < deadline && !first.HasExited, "the aggregator never started working");
                await Task.Delay(10);
            }
        } // disposing kills it outright (SIGKILL), mid-batch
        var done = await AggregatedAsync();
        Assert.True(done < submissions.Length, $"the kill came too late to interrupt anything ({done} aggregated)");

        await using (await StartAggregatorAsync(app))
        {
            await app.WaitForStatusAsync(submissions.Select(s => s.Id), seconds: 120);
            await AggregationTests.WaitForEmptyQueueAsync(app);
        }

        var aggregated = await AggregationTests.ReportTextAsync(app);
        AggregationTests.AssertMatchesReference(System.Text.Json.JsonDocument.Parse(aggregated).RootElement, submissions);
        Assert.Equal(HttpStatusCode.OK, (await app.Client(TestApp.AdminKey).PostAsync("/api/admin/services/demo/rebuild", null)).StatusCode);
        Assert.Equal(aggregated, await AggregationTests.ReportTextAsync(app));
    }

    /// <summary>The app's own build, standalone, draining the test's queue in small batches with a short lease.</summary>
    private static Task<AppProcess> StartAggregatorAsync(TestApp app) =>
        AppProcess.StartAsync(app.ConnectionString, app.Prefix, listen: true, batchSize: 2, new Dictionary<string, string>
        {
            ["PeerEval__Queue__LeaseTime"] = "00:00:02",
            ["PeerEval__Queue__RetryDelay"] = "00:00:00.100",
            ["PeerEval__Queue__MinPollingInterval"] = "00:00:00.020",
        });
}
