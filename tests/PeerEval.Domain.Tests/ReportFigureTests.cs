using PeerEval.Contracts;
using PeerEval.Domain.Aggregation;
using PeerEval.Domain.Reports;
using PeerEval.Domain.Submissions;
using static PeerEval.Domain.Tests.ReportFixture;

namespace PeerEval.Domain.Tests;

public sealed class ReportFigureTests
{
    private static readonly ReportingCalendar Calendar = new();

    private static Report Build(int minCellSize, Granularity granularity = Granularity.Month, string from = "2026-01", string to = "2026-04",
        IEnumerable<IEnumerable<Observation>>? histories = null, ReportingCalendar? calendar = null)
    {
        calendar ??= Calendar;
        Assert.True(calendar.TryParse(granularity, from, out var f));
        Assert.True(calendar.TryParse(granularity, to, out var t));
        var states = ReportStates.FromHistories(histories ?? Histories().Values);
        return ReportBuilder.Build("demo", calendar, f, t, m => states.GetValueOrDefault(ReportingCalendar.MonthName(m)), minCellSize, DateTimeOffset.UnixEpoch);
    }

    private static PeriodFigures Period(Report report, string name) => report.Periods.Single(p => p.Period == name);

    [Fact]
    public void Baseline_cell_matches_hand_checked_figures()
    {
        var march = Period(Build(5), "2026-03");
        Assert.Equal(6, march.Submissions);
        Assert.Equal(6, march.Participants);
        var cell = march.Instruments["hope-core@1"].Occasions["baseline"];
        // 16, 20, 24, 28, 30
        Assert.Equal((5, 5), (cell.N, cell.People));
        Assert.Equal(23.6, cell.Mean);
        Assert.Equal(Math.Round(Math.Sqrt(32.8), 6), cell.Sd);
        Assert.Equal((24.0, 20.0, 28.0), (cell.Median!.Value, cell.Q1!.Value, cell.Q3!.Value));
        Assert.False(cell.Suppressed);
    }

    [Fact]
    public void Follow_up_and_discharge_changes_are_separate_figures_matching_hand_checked_values()
    {
        var april = Period(Build(0), "2026-04").Instruments["hope-core@1"];
        var followup = april.Change["followup"];
        // +10, +2, +8, +1; threshold 6.44, higher is better
        Assert.Equal((4, 4), (followup.Pairs, followup.People));
        Assert.Equal(5.25, followup.MeanChange);
        Assert.Equal(Math.Round(Math.Sqrt(58.75 / 3), 6), followup.SdChange);
        Assert.Equal(Math.Round(5.25 / Math.Sqrt(58.75 / 3), 6), followup.EffectSize);
        Assert.Equal((2L, 0L), (followup.ReliablyImproved, followup.ReliablyDeteriorated));
        var discharge = april.Change["discharge"]; // 20 - 28
        Assert.Equal((1, -8.0, 0L, 1L), (discharge.Pairs, discharge.MeanChange, discharge.ReliablyImproved, discharge.ReliablyDeteriorated));
        Assert.Null(discharge.EffectSize); // one pair has no SD
        Assert.Equal(4, april.Occasions["followup"].N);
        Assert.Equal(1, april.Occasions["discharge"].N);
    }

    [Fact]
    public void Reliable_change_counts_are_null_where_the_instrument_has_no_parameters()
    {
        Observation Plain(string id, Occasion occasion, string date, double score) =>
            new(id, occasion, DateOnly.Parse(date), [new ScoredInstrument("hope-core", score, true, null)], null);
        var report = Build(0, histories: [[Plain("a", Occasion.Baseline, "2026-01-01", 10), Plain("b", Occasion.Followup, "2026-02-01", 30)]]);
        var change = Period(report, "2026-02").Instruments["hope-core@1"].Change["followup"];
        Assert.Equal(20, change.MeanChange);
        Assert.Null(change.ReliablyImproved);
        Assert.Null(change.ReliablyDeteriorated);
    }

    [Fact]
    public void Stays_count_once_in_the_period_of_discharge_and_open_stays_not_at_all()
    {
        var months = Build(0);
        Assert.Equal([1L, 0, 2, 1], months.Periods.Select(p => p.LengthOfStay.Stays));
        var year = Period(Build(0, Granularity.Year, "2026", "2026"), "2026").LengthOfStay; // 10, 10, 28, 31
        Assert.Equal((4, 4), (year.Stays, year.People));
        Assert.Equal(19.75, year.MeanDays);
        Assert.Equal(Math.Round(Math.Sqrt(128.25), 6), year.SdDays);
        Assert.Equal((19.0, 10.0, 28.75), (year.MedianDays!.Value, year.Q1Days!.Value, year.Q3Days!.Value));
    }

    [Fact]
    public void Quarters_and_years_follow_the_first_month_of_the_reporting_year()
    {
        var financial = new ReportingCalendar(yearStartMonth: 4);
        var quarters = Build(0, Granularity.Quarter, "2025-Q4", "2026-Q1", calendar: financial);
        Assert.Equal(["2025-Q4", "2026-Q1"], quarters.Periods.Select(p => p.Period));
        Assert.Equal((6, 6), (quarters.Periods[0].Submissions, quarters.Periods[0].Participants)); // January to March 2026
        Assert.Equal((5, 5), (quarters.Periods[1].Submissions, quarters.Periods[1].Participants)); // April to June 2026
        Assert.Equal([3L, 1], quarters.Periods.Select(p => p.LengthOfStay.Stays));
        var years = Build(0, Granularity.Year, "2025", "2026", calendar: financial);
        Assert.Equal([6L, 5], years.Periods.Select(p => p.Submissions));
        Assert.Equal("quarter", quarters.Granularity);
    }

    [Fact]
    public void People_count_each_participant_once_however_many_scores_they_give()
    {
        Observation Monthly(int month) => Obs($"m{month}", Occasion.Followup, $"2026-{month:D2}-01", 20 + month);
        var histories = new[] { Enumerable.Range(1, 6).Select(Monthly).Prepend(Obs("b", Occasion.Baseline, "2025-12-01", 18)).ToList() };
        var half = Period(Build(5, Granularity.Year, "2026", "2026", histories), "2026").Instruments["hope-core@1"];
        Assert.Equal((6, 1), (half.Change["followup"].Pairs, half.Change["followup"].People));
        Assert.True(half.Change["followup"].Suppressed);
        Assert.Null(half.Change["followup"].MeanChange);
        Assert.True(half.Occasions["followup"].Suppressed);
    }

    [Fact]
    public void Figures_with_fewer_people_than_the_minimum_are_suppressed_and_with_as_many_are_shown()
    {
        var atThreshold = Build(5);
        Assert.False(Period(atThreshold, "2026-03").Instruments["hope-core@1"].Occasions["baseline"].Suppressed);

        var april = Period(atThreshold, "2026-04").Instruments["hope-core@1"];
        Assert.True(april.Change["followup"].Suppressed);
        Assert.Equal((4, 4), (april.Change["followup"].Pairs, april.Change["followup"].People)); // counts stay visible
        Assert.Null(april.Change["followup"].MeanChange);
        Assert.Null(april.Change["followup"].ReliablyImproved);
        Assert.Null(april.Occasions["followup"].Mean);
        Assert.True(april.Occasions["followup"].Suppressed);
    }

    [Fact]
    public void A_minimum_cell_size_of_zero_turns_suppression_off()
    {
        var cell = Period(Build(0), "2026-04").Instruments["hope-core@1"].Occasions["discharge"];
        Assert.False(cell.Suppressed);
        Assert.Equal(20.0, cell.Mean);
        Assert.Null(cell.Sd); // one value has no sample SD
    }

    [Fact]
    public void A_suppressed_quarter_that_its_year_would_reveal_takes_another_group_with_it()
    {
        // k = 3. Baselines: three people in January, one in April, four in July.
        var histories = Enumerable.Range(0, 3).Select(i => new[] { Obs($"j{i}", Occasion.Baseline, "2026-01-10", 10 + i) })
            .Append([Obs("a", Occasion.Baseline, "2026-04-10", 30)])
            .Concat(Enumerable.Range(0, 4).Select(i => new[] { Obs($"u{i}", Occasion.Baseline, "2026-07-10", 20 + i) }))
            .ToList();
        Cell Baseline(Granularity granularity, string period) =>
            Period(Build(3, granularity, period, period, histories), period).Instruments["hope-core@1"].Occasions["baseline"];

        Assert.False(Baseline(Granularity.Year, "2026").Suppressed);
        Assert.True(Baseline(Granularity.Quarter, "2026-Q2").Suppressed); // one person: primary
        // Year minus Q1 minus Q3 would be April's one person. Q1 and Q3 are each covered by their own
        // published month, so suppressing either quarter alone still leaves the residue: the smaller
        // (Q1, three people) goes, then its month.
        Assert.True(Baseline(Granularity.Quarter, "2026-Q1").Suppressed);
        Assert.True(Baseline(Granularity.Month, "2026-01").Suppressed);
        Assert.False(Baseline(Granularity.Quarter, "2026-Q3").Suppressed);
        Assert.False(Baseline(Granularity.Month, "2026-07").Suppressed);
        Assert.Equal((3, 3), (Baseline(Granularity.Month, "2026-01").N, Baseline(Granularity.Month, "2026-01").People));
    }

    [Fact]
    public void Figures_are_served_to_at_most_six_decimals()
    {
        var histories = new[] { 2.1, 2.2, 2.3, 2.4, 2.75 }.Select((score, i) => new[] { Obs($"s{i}", Occasion.Baseline, "2026-01-10", score) });
        var cell = Period(Build(0, histories: histories), "2026-01").Instruments["hope-core@1"].Occasions["baseline"];
        Assert.Equal(2.35, cell.Mean); // 11.75 / 5 in binary is 2.3499999999999996
        Assert.Equal(cell.Sd, Math.Round(cell.Sd!.Value, 6));
    }
}
