using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PeerEval.Domain.Aggregation;
using PeerEval.Domain.Instruments;
using PeerEval.Domain.Submissions;
using PeerEval.Functions.Submissions;
using PeerEval.Testing;

namespace PeerEval.Functions.Tests.Reliability;

/// <summary>
/// The largest month and the longest history the storage layout promises to hold, on a real Azurite: twenty
/// thousand people on a mean-scored instrument in one month, and one person one submission short of the cap.
/// Stored directly and aggregated by a rebuild (the month writes are the queue's own), then submissions through
/// intake and the queue show that later work on both still aggregates, and the cap refuses the one after.
/// </summary>
public sealed class LoadTests
{
    private const int People = 20_000;
    private const int Cap = 500;

    [Fact]
    public async Task A_month_of_twenty_thousand_people_on_a_mean_scored_instrument_and_a_participant_at_the_cap_both_still_aggregate()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["PeerEval:Intake:MaxSubmissionsPerParticipant"] = Cap.ToString(),
            ["PeerEval:Reporting:MinCellSize"] = "0", // the busy person is alone in 2025
        });
        var hasher = new ParticipantHasher(Options.Create(new ParticipantKeyOptions { ParticipantKey = TestApp.ParticipantKey }));
        var random = new Random(People);
        var empowerment = BuiltInInstruments.EmpowermentCore;
        Observation Empowerment(string id, DateOnly date)
        {
            // Skips up to the instrument's limit put means on many fractions: the most distinct values a month can see.
            var skipped = random.Next(empowerment.Scoring.ProrateMaxMissing + 1);
            var answers = empowerment.Items.Select((item, i) => (item.Id, Value: i < skipped ? (int?)null : random.Next(item.Min, item.Max + 1))).ToDictionary(a => a.Id, a => a.Value);
            return Observation.From(new SubmissionRequest(id, "-", Occasion.Baseline, date, [new InstrumentResponse(empowerment, answers)], null));
        }
        var crowd = Enumerable.Range(0, People).Select(p => DirectSubmissions.Row("demo", hasher.Hash("demo", $"crowd-{p}"), Empowerment($"crowd-{p}", new DateOnly(2026, 3, 1 + p % 28))));
        // The busy person's history spans the year before, so their row is long while each month stays small.
        var busy = Enumerable.Range(0, Cap - 1).Select(i => DirectSubmissions.Row("demo", hasher.Hash("demo", "busy"), Empowerment($"busy-{i}", new DateOnly(2025, 1 + i % 12, 1 + i % 28))));
        await DirectSubmissions.StoreAsync(app.Table(app.Names.Submissions), "demo", crowd.Concat(busy));
        var admin = app.Client(TestApp.AdminKey);
        admin.Timeout = TimeSpan.FromMinutes(5); // a rebuild of 20,000 histories answers when it is done, and CI runs other tests beside it
        var rebuild = await admin.PostAsync("/api/manage/services/demo/rebuild", null);
        Assert.True(rebuild.IsSuccessStatusCode, await rebuild.Content.ReadAsStringAsync());

        // One more person in the crowded month, and the busy person's last allowed submission, through the queue.
        var newcomer = Bodies.Hope("newcomer", "baseline", "2026-03-30", [3, 3, 3, 3, 3, 3, 3, 3]);
        var last = Bodies.Hope("busy", "baseline", "2025-12-31", [4, 4, 4, 4, 4, 4, 4, 4]);
        foreach (var body in new[] { newcomer, last })
            Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(body)).StatusCode);
        await app.WaitForStatusAsync([(string)newcomer["submissionId"]!, (string)last["submissionId"]!], seconds: 120);

        var march = (await app.ReportAsync("2026-03", "2026-03")).GetProperty("periods")[0];
        Assert.Equal((People + 1, People + 1), (march.GetProperty("submissions").GetInt32(), march.GetProperty("participants").GetInt32()));
        Assert.Equal(People, march.GetProperty("instruments").GetProperty("empowerment-core@1").GetProperty("occasions").GetProperty("baseline").GetProperty("n").GetInt32());
        var year = (await app.ReportAsync("2025", "2025", granularity: "year")).GetProperty("periods")[0];
        Assert.Equal(Cap, year.GetProperty("submissions").GetInt32());

        var refused = await app.SubmitAsync(Bodies.Hope("busy", "followup", "2026-01-05", [5, 5, 5, 5, 5, 5, 5, 5]));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains($"{Cap} submissions", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("participantRef")[0].GetString());
    }
}
