using PeerEval.Contracts;
using PeerEval.Domain.Aggregation;
using PeerEval.Domain.Reports;
using PeerEval.Domain.Submissions;
using static PeerEval.Domain.Tests.ReportFixture;

namespace PeerEval.Domain.Tests;

public sealed class BreakdownTests
{
    private static readonly ReportingCalendar Calendar = new();

    private static Observation In(Observation observation, string? team, string? setting = null, string? peerWorker = null) =>
        observation with { Context = new SupportContext(team, setting, peerWorker) };

    private static Report Build(IEnumerable<IEnumerable<Observation>> histories, int minCellSize, string by, Granularity granularity = Granularity.Month,
        string from = "2026-01", string to = "2026-04")
    {
        Assert.True(Calendar.TryParse(granularity, from, out var f));
        Assert.True(Calendar.TryParse(granularity, to, out var t));
        var states = ReportStates.FromHistories(histories);
        return ReportBuilder.Build("demo", Calendar, f, t, m => states.GetValueOrDefault(ReportingCalendar.MonthName(m)), minCellSize,
            DateTimeOffset.UnixEpoch, by: by);
    }

    private static PeriodFigures Part(Report report, string value, string period) =>
        report.Groups!.Single(g => g.Value == value).Periods.Single(p => p.Period == period);

    [Fact]
    public void A_score_counts_for_the_service_and_for_each_part_its_context_names()
    {
        var march = Contributions.Compute([In(Obs("a", Occasion.Baseline, "2026-03-01", 20), "ward-3", "inpatient", "pw-07")])["2026-03"];
        var cell = FigureGroup.Cell("hope-core@1", Occasion.Baseline);
        foreach (var within in new Breakdown?[] { null, new("team", "ward-3"), new("setting", "inpatient"), new("peerWorker", "pw-07") })
            Assert.Equal(20, march.Groups[cell.In(within).Key].Values.Single());
        Assert.Equal(1, march.Groups[FigureGroup.Active(new("team", "ward-3")).Key].Values.Single()); // one submission
    }

    [Fact]
    public void A_change_belongs_to_the_team_of_the_later_occasion_and_a_stay_to_the_team_that_closed_it()
    {
        var april = Contributions.Compute([
            In(Obs("b", Occasion.Baseline, "2026-03-01", 20, Stay("2026-02-20")), "ward-3"),
            In(Obs("f", Occasion.Followup, "2026-04-01", 26, Stay("2026-02-20", "2026-04-01")), "community-1"),
        ])["2026-04"];
        Assert.Equal(6, april.Groups[FigureGroup.Change("hope-core@1", Occasion.Followup).In(new("team", "community-1")).Key].Values.Single());
        Assert.Equal(40, april.Groups[FigureGroup.Stays.In(new("team", "community-1")).Key].Values.Single());
        Assert.DoesNotContain(april.Groups.Keys, k => k.StartsWith("team=ward-3", StringComparison.Ordinal));
    }

    [Fact]
    public void Anonymous_submissions_count_in_a_part_s_submissions_and_cells_but_never_in_its_participants()
    {
        var anonymous = Enumerable.Range(0, 3)
            .Select(i => (IEnumerable<Observation>)[In(Obs($"x{i}", Occasion.Baseline, "2026-03-02", 20 + i), "ward-3") with { Anonymous = true }]);
        var known = (IEnumerable<Observation>)[In(Obs("k", Occasion.Baseline, "2026-03-02", 30), "ward-3")];
        var ward = Part(Build(anonymous.Append(known), 0, "team"), "ward-3", "2026-03");
        Assert.Equal((4, 1), (ward.Submissions, ward.Participants));
        Assert.Equal((4, 4), (ward.Instruments["hope-core@1"].Occasions["baseline"].N, ward.Instruments["hope-core@1"].Occasions["baseline"].People));
    }

    [Fact]
    public void Each_part_s_figures_equal_those_worked_out_from_its_own_submissions()
    {
        // The fixture's six people: A, B and C on ward-a, D and E on ward-b, F with no team.
        var teams = new Dictionary<string, string?> { ["A"] = "ward-a", ["B"] = "ward-a", ["C"] = "ward-a", ["D"] = "ward-b", ["E"] = "ward-b", ["F"] = null };
        var histories = Histories().Select(h => h.Value.Select(o => In(o, teams[h.Key])).ToList()).ToList();
        var report = Build(histories, 0, "team");
        Assert.Equal(["ward-a", "ward-b"], report.Groups!.Select(g => g.Value));
        Assert.All(report.Groups!, g => Assert.Equal("team", g.By));

        var wardA = Part(report, "ward-a", "2026-03");
        Assert.Equal((3, 3), (wardA.Submissions, wardA.Participants));
        var baseline = wardA.Instruments["hope-core@1"].Occasions["baseline"]; // 20, 24, 28
        Assert.Equal((3, 24.0, 4.0), (baseline.N, baseline.Mean!.Value, baseline.Sd!.Value));
        var followup = Part(report, "ward-b", "2026-04").Instruments["hope-core@1"].Change["followup"]; // +8, +1
        Assert.Equal((2, 4.5), (followup.Pairs, followup.MeanChange!.Value));
        Assert.Equal(19, Part(report, "ward-a", "2026-03").LengthOfStay.MeanDays); // A's 28 days and B's 10, both discharged in March
    }

    [Fact]
    public void Without_by_a_report_has_no_groups_and_its_figures_are_unchanged_by_contexts()
    {
        var plain = Histories().Values.ToList();
        var withTeams = plain.Select(h => h.Select(o => In(o, "ward-a", "community")).ToList()).ToList();
        var states = ReportStates.FromHistories(withTeams);
        Assert.True(Calendar.TryParse(Granularity.Month, "2026-03", out var march));
        var report = ReportBuilder.Build("demo", Calendar, march, march, m => states.GetValueOrDefault(ReportingCalendar.MonthName(m)), 0, DateTimeOffset.UnixEpoch);
        Assert.Null(report.Groups);
        Assert.Equivalent(Build(plain, 0, "team", from: "2026-03", to: "2026-03").Periods, report.Periods);
    }

    [Fact]
    public void A_small_team_is_suppressed_and_so_is_the_other_when_the_service_figure_would_give_it_away()
    {
        // Six people on ward-a and two on ward-b in one month: ward-b is below k, and the service's
        // figure minus ward-a's would be ward-b's, so ward-a goes unpublished too.
        var histories = Enumerable.Range(0, 8)
            .Select(i => (IEnumerable<Observation>)[In(Obs($"p{i}", Occasion.Baseline, "2026-03-02", 20 + i), i < 6 ? "ward-a" : "ward-b")]);
        var report = Build(histories, 5, "team", Granularity.Year, "2026", "2026");
        Assert.False(report.Periods.Single().Instruments["hope-core@1"].Occasions["baseline"].Suppressed);
        Assert.True(Part(report, "ward-b", "2026").Instruments["hope-core@1"].Occasions["baseline"].Suppressed);
        var wardA = Part(report, "ward-a", "2026").Instruments["hope-core@1"].Occasions["baseline"];
        Assert.True(wardA.Suppressed);
        Assert.Null(wardA.Mean);
        Assert.Equal((6, 6), (wardA.N, wardA.People)); // counts stay visible

        // With five on ward-b as well, both teams are published.
        var larger = Enumerable.Range(0, 11)
            .Select(i => (IEnumerable<Observation>)[In(Obs($"p{i}", Occasion.Baseline, "2026-03-02", 20 + i), i < 6 ? "ward-a" : "ward-b")]);
        Assert.All(Build(larger, 5, "team", Granularity.Year, "2026", "2026").Groups!,
            g => Assert.False(g.Periods.Single().Instruments["hope-core@1"].Occasions["baseline"].Suppressed));
    }
}
