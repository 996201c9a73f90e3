using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using CsCheck;
using PeerEval.Functions.Tests.Infrastructure;
using PeerEval.Testing;
using Xunit.Abstractions;

namespace PeerEval.Functions.Tests.Reliability;

/// <summary>
/// Everything that can happen to a service's figures, in random order on a real Azurite with storage
/// faults injected: submissions, client retries and queue redeliveries, erasures, spells in which
/// every report write fails until messages are poisoned, poison replays, and a service's own
/// instrument re-saved with another scale. Whatever the order, the live figures equal a rebuild and
/// an erased person leaves no row behind.
/// </summary>
public sealed class InterleavingTests(ITestOutputHelper output)
{
    private const string Custom = "pilot-local";

    private enum Step { Submit, Erase, Resave, PoisonSpell, Replay }

    private static readonly Gen<Step> Steps = Gen.Frequency(
        (12, Gen.Const(Step.Submit)), (2, Gen.Const(Step.Erase)), (1, Gen.Const(Step.Resave)), (1, Gen.Const(Step.PoisonSpell)), (2, Gen.Const(Step.Replay)));

    [Fact]
    public async Task Live_figures_equal_a_rebuild_and_erased_people_leave_no_row_whatever_the_interleaving_of_everything_that_can_happen()
    {
        // Each sample is a whole run on Azurite: a couple of long runs rather than many short ones.
        var plans = Gen.Select(Steps.Array[45, 60], RawSubmission.Generator.Array[60], Gen.Int[0, 1_000_000]);
        var replayed = 0;
        foreach (var _ in Enumerable.Range(0, 2))
        {
            var (steps, submissions, seed) = plans.Single();
            // Every plan gives up on at least one message, so the poison and replay paths are always in play.
            if (!steps.Contains(Step.PoisonSpell))
                steps[seed % (steps.Length / 2)] = Step.PoisonSpell;
            replayed += await RunAsync(steps, submissions, seed);
        }
        Assert.True(replayed > 0, "nothing was poisoned and replayed: the runs did not test that path");
    }

    /// <returns>How many poisoned messages were replayed.</returns>
    private async Task<int> RunAsync(Step[] steps, RawSubmission[] submissions, int seed)
    {
        var random = new Random(seed);
        await using var app = await TestApp.StartAsync(
            new Dictionary<string, string?>
            {
                ["PeerEval:Reporting:MinCellSize"] = "0",
                ["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"] = "4",
                ["AzureFunctionsJobHost:extensions:queues:batchSize"] = "8",
            },
            faults: true);
        var (participants, reports) = (app.Names.Participants, app.Names.Reports);
        var (spell, calm) = (false, false);
        app.Faults!.FailBefore = r => !calm && (r.IsWriteTo(participants) || r.IsWriteTo(reports)) && (spell && r.IsWriteTo(reports) || Chance(random, 12));
        app.Faults.FailAfter = r => !calm && (r.IsWriteTo(participants) || r.IsWriteTo(reports)) && Chance(random, 12);
        var admin = app.Client(TestApp.AdminKey);
        var queue = app.Queue(app.Names.SubmissionQueue);

        var live = new Dictionary<string, string>(); // submission id -> participant, until erased
        var customMax = 4;
        await SaveCustomAsync(admin, customMax);
        var next = 0;
        var replayed = 0;
        async Task ReplayAsync() =>
            replayed += (await (await admin.PostAsync("/api/manage/poison/replay", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed").GetInt32();
        async Task<string> SubmitNextAsync()
        {
            var submission = submissions[next++];
            // Every other submission also answers the service's own instrument, on its scale of the moment.
            var body = submission.Body();
            if (next % 2 == 0)
                body["responses"] = new object[]
                {
                    ((object[])body["responses"]!)[0],
                    new { instrument = Custom, answers = new Dictionary<string, int?> { ["q1"] = random.Next(customMax + 1), ["q2"] = random.Next(customMax + 1) } },
                };
            var response = await app.SubmitAsync(body);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
            live[submission.Id] = submission.Participant;
            if (Chance(random, 4))
                Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(body)).StatusCode);
            if (Chance(random, 4))
                await queue.SendMessageAsync(JsonSerializer.Serialize(new { serviceId = "demo", submissionId = submission.Id }));
            return submission.Id;
        }
        var log = new List<string>();
        foreach (var step in steps)
        {
            switch (step)
            {
                case Step.Submit when next < submissions.Length:
                    log.Add($"submit {await SubmitNextAsync()}");
                    break;
                case Step.PoisonSpell when next < submissions.Length:
                    // Every report write fails until the next submission's message has been given up on.
                    spell = true;
                    var poisoned = await SubmitNextAsync();
                    for (var i = 0; i < 100 && (await admin.GetFromJsonAsync<JsonElement>($"/api/services/demo/submissions/{poisoned}")).GetProperty("status").GetString() != "rejected"; i++)
                        await Task.Delay(50);
                    spell = false;
                    log.Add($"poison {poisoned}");
                    break;
                case Step.Erase when live.Count > 0:
                    var person = live.Values.Distinct().OrderBy(p => p, StringComparer.Ordinal).ElementAt(random.Next(live.Values.Distinct().Count()));
                    // Storage faults reach the erasure too, and one erasure makes many writes: an administrator
                    // tries again a few times, and once more when the outage is over (aggregation goes on meanwhile).
                    var erased = false;
                    for (var attempt = 0; attempt < 5 && !erased; attempt++)
                        erased = (await admin.PostAsJsonAsync("/api/manage/services/demo/erasures", new { participantRef = person })).IsSuccessStatusCode;
                    if (!erased)
                    {
                        calm = true;
                        var response = await admin.PostAsJsonAsync("/api/manage/services/demo/erasures", new { participantRef = person });
                        calm = false;
                        Assert.True(response.IsSuccessStatusCode, $"erasing {person} failed with storage healthy: {await response.Content.ReadAsStringAsync()}");
                    }
                    foreach (var id in live.Where(s => s.Value == person).Select(s => s.Key).ToList())
                        live.Remove(id);
                    log.Add($"erase {person}");
                    break;
                case Step.Resave:
                    customMax = customMax == 4 ? 6 : 4;
                    await SaveCustomAsync(admin, customMax);
                    log.Add($"resave 0-{customMax}");
                    break;
                case Step.Replay:
                    await ReplayAsync();
                    log.Add("replay");
                    break;
            }
            await Task.Delay(random.Next(0, 40));
        }

        // The faults end; whatever is poisoned is replayed until every live submission is counted.
        spell = false;
        app.Faults.FailBefore = app.Faults.FailAfter = _ => false;
        output.WriteLine($"seed {seed}: {string.Join("; ", log)}; {app.Faults.Injected} faults injected, {replayed} replayed before the end");
        var poison = app.Queue(app.Names.PoisonQueue);
        for (var round = 0; round < 5; round++)
        {
            await AggregationTests.WaitForEmptyQueueAsync(app);
            if ((await poison.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0)
                break;
            await ReplayAsync();
        }
        await app.WaitForStatusAsync(live.Keys, seconds: 120);

        var figures = await AggregationTests.ReportTextAsync(app);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/api/manage/services/demo/rebuild", null)).StatusCode);
        Assert.Equal(figures, await AggregationTests.ReportTextAsync(app));

        // One history row per person still counted, and no report row keyed by anyone else.
        var histories = await app.Table(participants).QueryAsync<TableEntity>().Select(r => r.RowKey).ToListAsync();
        Assert.Equal(live.Values.Distinct().Count(), histories.Count);
        var keyedByPeople = await app.Table(reports).QueryAsync<TableEntity>(select: ["RowKey"]).Where(r => !r.RowKey.StartsWith('~')).Select(r => r.RowKey).ToListAsync();
        Assert.Empty(keyedByPeople.Except(histories));
        var submitted = await app.Table(app.Names.Submissions).QueryAsync<TableEntity>().ToListAsync();
        Assert.All(submitted.Where(r => !live.ContainsKey(r.RowKey)), r =>
        {
            Assert.Equal("erased", r.GetString("Status"));
            Assert.False(r.ContainsKey("Participant") || r.ContainsKey("Observation") || r.ContainsKey("Answers"), $"{r.RowKey} keeps a trace");
        });
        return replayed;
    }

    private static async Task SaveCustomAsync(HttpClient admin, int max)
    {
        var definition = $$"""
            { "id": "{{Custom}}", "version": 1, "title": "Pilot check", "higherIsBetter": true,
              "items": [ { "id": "q1", "text": "Today I feel able.", "min": 0, "max": {{max}} }, { "id": "q2", "text": "I can reach people.", "min": 0, "max": {{max}} } ],
              "scoring": { "method": "mean", "prorateMaxMissing": 0 } }
            """;
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/api/manage/instruments/{Custom}", TestApp.Json(definition))).StatusCode);
    }

    private static bool Chance(Random random, int oneIn)
    {
        lock (random)
            return random.Next(oneIn) == 0;
    }
}
