using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerEval.Testing;

namespace PeerEval.Functions.Tests;

/// <summary>
/// A small peer-support pilot end to end, as a service would run it: fourteen people supported on
/// three teams in two settings (hope, empowerment, community engagement and length of stay, at
/// baseline and follow-up), and ten peer workers and ten staff surveyed before and after. The
/// quarter's report by setting and by team is checked against figures worked out here from the
/// answers sent.
/// </summary>
public sealed class PilotEvaluationTests
{
    private const int K = 5;

    private sealed record Respondent(string Ref, string Team, string Setting);

    /// <summary>Uniform answers, so each score is plain arithmetic: v on every item, reversed items scoring min + max - v.</summary>
    private static object Answers(string instrument, string prefix, int items, int value) =>
        new { instrument, answers = Enumerable.Range(1, items).ToDictionary(i => $"{prefix}{i}", _ => (int?)value) };

    private static readonly List<(Respondent Who, int Index)> People = Enumerable.Range(1, 14)
        .Select(i => (new Respondent($"person-{i}", i <= 6 ? "ward-a" : i <= 12 ? "community-b" : "ward-c", i is > 6 and <= 12 ? "community" : "inpatient"), i))
        .ToList();

    private static readonly List<(Respondent Who, int Index)> PeerWorkers = Enumerable.Range(1, 10)
        .Select(j => (new Respondent($"pw-{j}", j <= 5 ? "ward-a" : "community-b", j <= 5 ? "inpatient" : "community"), j))
        .ToList();

    private static readonly List<(Respondent Who, int Index)> Staff = Enumerable.Range(1, 10)
        .Select(j => (new Respondent($"staff-{j}", j <= 5 ? "ward-a" : "community-b", j <= 5 ? "inpatient" : "community"), j))
        .ToList();

    // The scores each answer pattern gives, worked out by hand from the instruments' structure.
    private static int HopeValue(int i, bool followup) => 1 + (followup ? i + 2 : i) % 5;
    private static double Hope(int i, bool followup) => 6 * HopeValue(i, followup) + 2 * (6 - HopeValue(i, followup)); // h3, h6 reversed
    private static int EmpowermentValue(int i, bool followup) => 1 + (followup ? i + 1 : i) % 4;
    private static double Empowerment(int i, bool followup) => (8 * EmpowermentValue(i, followup) + 2 * (5 - EmpowermentValue(i, followup))) / 10.0; // mean; e3, e7 reversed
    private static int Days(int i, bool followup) => followup ? i + 3 : i;
    private static double Community(int i, bool followup) => 5 * Days(i, followup);
    private static int StayDays(int i) => 50 + i;
    private static int PeerValue(int j, bool followup) => 1 + (followup ? j + 1 : j) % 5;
    private static double PeerWorker(int j, bool followup) => 6 * PeerValue(j, followup) + 2 * (6 - PeerValue(j, followup)); // p4, p7 reversed
    private static int StaffValue(int j, bool followup) => 1 + (followup ? j + 3 : j) % 5;
    private static double StaffScore(int j, bool followup) => 5 * StaffValue(j, followup) + (6 - StaffValue(j, followup)); // s3 reversed

    private static IEnumerable<Dictionary<string, object?>> Submissions()
    {
        Dictionary<string, object?> Body(Respondent who, string occasion, string completedOn, object[] responses, object? stay = null)
        {
            var body = new Dictionary<string, object?>
            {
                ["submissionId"] = Guid.NewGuid().ToString(),
                ["participantRef"] = who.Ref,
                ["occasion"] = occasion,
                ["completedOn"] = completedOn,
                ["responses"] = responses,
                ["context"] = new { team = who.Team, setting = who.Setting },
            };
            if (stay is not null)
                body["stay"] = stay;
            return body;
        }

        foreach (var (who, i) in People)
            foreach (var followup in new[] { false, true })
                yield return Body(who, followup ? "followup" : "baseline", followup ? "2026-03-10" : "2026-01-10",
                    [
                        Answers("hope-core", "h", 8, HopeValue(i, followup)),
                        Answers("empowerment-core", "e", 10, EmpowermentValue(i, followup)),
                        Answers("community-core", "c", 5, Days(i, followup)),
                    ],
                    who.Setting == "inpatient" ? new { admittedOn = "2026-01-02", dischargedOn = followup ? $"2026-{DateOnly.Parse("2026-01-02").AddDays(StayDays(i)):MM-dd}" : null } : null);
        foreach (var (who, j) in PeerWorkers)
            foreach (var followup in new[] { false, true })
                yield return Body(who, followup ? "followup" : "baseline", followup ? "2026-03-20" : "2026-01-20", [Answers("peer-worker-core", "p", 8, PeerValue(j, followup))]);
        foreach (var (who, j) in Staff)
            foreach (var followup in new[] { false, true })
                yield return Body(who, followup ? "followup" : "baseline", followup ? "2026-03-25" : "2026-01-25", [Answers("staff-recovery-core", "s", 6, StaffValue(j, followup))]);
    }

    private static async Task<TestApp> PilotAsync()
    {
        var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:Reporting:MinCellSize"] = K.ToString() });
        var bodies = Submissions().ToList();
        foreach (var body in bodies)
        {
            var response = await app.SubmitAsync(body);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        }
        await app.WaitForStatusAsync(bodies.Select(b => (string)b["submissionId"]!), seconds: 120);
        return app;
    }

    private static async Task<JsonElement> QuarterAsync(TestApp app, string by) =>
        await app.Client(TestApp.ReportKey).GetFromJsonAsync<JsonElement>($"/api/reports/demo?granularity=quarter&from=2026-Q1&to=2026-Q1&by={by}");

    private static JsonElement Part(JsonElement report, string value) =>
        report.GetProperty("groups").EnumerateArray().Single(g => g.GetProperty("value").GetString() == value).GetProperty("periods")[0];

    private static JsonElement Instrument(JsonElement figures, string id) =>
        figures.GetProperty("instruments").EnumerateObject().Single(p => p.Name.StartsWith(id + "@", StringComparison.Ordinal)).Value;

    private static double Mean(IEnumerable<double> values) => values.Average();

    private static double Sd(IReadOnlyCollection<double> values)
    {
        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    private static void AssertCell(JsonElement cell, IReadOnlyCollection<double> expected)
    {
        Assert.False(cell.GetProperty("suppressed").GetBoolean());
        Assert.Equal(expected.Count, cell.GetProperty("n").GetInt64());
        Assert.Equal(Math.Round(Mean(expected), 6), cell.GetProperty("mean").GetDouble());
        Assert.Equal(Math.Round(Sd(expected), 6), cell.GetProperty("sd").GetDouble());
    }

    private static void AssertChange(JsonElement change, IReadOnlyCollection<double> expected)
    {
        Assert.False(change.GetProperty("suppressed").GetBoolean());
        Assert.Equal(expected.Count, change.GetProperty("pairs").GetInt64());
        Assert.Equal(Math.Round(Mean(expected), 6), change.GetProperty("meanChange").GetDouble());
    }

    [Fact]
    public async Task A_pilot_s_report_by_setting_and_by_team_shows_every_group_s_outcomes_as_worked_out_by_hand_and_no_group_below_k()
    {
        await using var app = await PilotAsync();

        var bySetting = await QuarterAsync(app, "setting");
        Assert.Equal(["community", "inpatient"], bySetting.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("value").GetString()));
        foreach (var setting in new[] { "inpatient", "community" })
        {
            var figures = Part(bySetting, setting);
            var people = People.Where(p => p.Who.Setting == setting).Select(p => p.Index).ToList();
            var peerWorkers = PeerWorkers.Where(p => p.Who.Setting == setting).Select(p => p.Index).ToList();
            var staff = Staff.Where(p => p.Who.Setting == setting).Select(p => p.Index).ToList();
            Assert.Equal(2 * (people.Count + peerWorkers.Count + staff.Count), figures.GetProperty("submissions").GetInt64());
            Assert.Equal(people.Count + peerWorkers.Count + staff.Count, figures.GetProperty("participants").GetInt64());

            foreach (var (id, score) in new (string, Func<int, bool, double>)[] { ("hope-core", Hope), ("empowerment-core", Empowerment), ("community-core", Community) })
            {
                var instrument = Instrument(figures, id);
                Assert.Equal("person", instrument.GetProperty("respondent").GetString());
                AssertCell(instrument.GetProperty("occasions").GetProperty("baseline"), people.Select(i => score(i, false)).ToList());
                AssertCell(instrument.GetProperty("occasions").GetProperty("followup"), people.Select(i => score(i, true)).ToList());
                AssertChange(instrument.GetProperty("change").GetProperty("followup"), people.Select(i => score(i, true) - score(i, false)).ToList());
            }
            foreach (var (id, respondent, who, score) in new (string, string, List<int>, Func<int, bool, double>)[]
                { ("peer-worker-core", "peer-worker", peerWorkers, PeerWorker), ("staff-recovery-core", "staff", staff, StaffScore) })
            {
                var instrument = Instrument(figures, id);
                Assert.Equal(respondent, instrument.GetProperty("respondent").GetString());
                AssertCell(instrument.GetProperty("occasions").GetProperty("baseline"), who.Select(j => score(j, false)).ToList());
                AssertChange(instrument.GetProperty("change").GetProperty("followup"), who.Select(j => score(j, true) - score(j, false)).ToList());
            }

            var stays = figures.GetProperty("lengthOfStay");
            if (setting == "inpatient")
            {
                Assert.Equal(people.Count, stays.GetProperty("stays").GetInt64());
                Assert.Equal(Math.Round(people.Average(i => (double)StayDays(i)), 6), stays.GetProperty("meanDays").GetDouble());
            }
            else
            {
                Assert.Equal(0, stays.GetProperty("stays").GetInt64());
            }
        }

        // By team, ward-c's two people are below k, and the service's figure less the other two teams
        // would be theirs: so one of those goes unpublished too, and nothing published is below k.
        var byTeam = await QuarterAsync(app, "team");
        var wardC = Instrument(Part(byTeam, "ward-c"), "hope-core").GetProperty("occasions").GetProperty("baseline");
        Assert.True(wardC.GetProperty("suppressed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, wardC.GetProperty("mean").ValueKind);
        Assert.Equal(2, wardC.GetProperty("people").GetInt64());
        var publishedTeams = new[] { "ward-a", "community-b" }
            .Where(t => !Instrument(Part(byTeam, t), "hope-core").GetProperty("occasions").GetProperty("baseline").GetProperty("suppressed").GetBoolean())
            .ToList();
        Assert.Single(publishedTeams);
        var team = publishedTeams[0];
        AssertCell(Instrument(Part(byTeam, team), "hope-core").GetProperty("occasions").GetProperty("baseline"),
            People.Where(p => p.Who.Team == team).Select(p => Hope(p.Index, false)).ToList());

        foreach (var report in new[] { bySetting, byTeam })
            foreach (var group in report.GetProperty("groups").EnumerateArray())
                foreach (var figureGroup in FigureGroups(group.GetProperty("periods")[0]))
                    Assert.True(figureGroup.GetProperty("suppressed").GetBoolean() || figureGroup.GetProperty("people").GetInt64() is 0 or >= K,
                        $"{group.GetProperty("value")}: {figureGroup}");
    }

    private static IEnumerable<JsonElement> FigureGroups(JsonElement figures) =>
        figures.GetProperty("instruments").EnumerateObject()
            .SelectMany(i => i.Value.GetProperty("occasions").EnumerateObject().Concat(i.Value.GetProperty("change").EnumerateObject()).Select(o => o.Value))
            .Append(figures.GetProperty("lengthOfStay"));
}
