using PeerEval.Domain.Aggregation;
using PeerEval.Domain.Reports;
using static PeerEval.Domain.Tests.ReportFixture;
using PeerEval.Contracts;

namespace PeerEval.Domain.Tests;

public sealed class ReportFigureTests
{
    private static Report Build(int minCellSize, string from = "2026-01", string to = "2026-04")
    {
        Period.TryParse(from, out var f);
        Period.TryParse(to, out var t);
        return ReportBuilder.Build("demo", f, t, ReportStates.FromHistories(Histories().Values), minCellSize, DateTimeOffset.UnixEpoch);
    }

    [Fact]
    public void Baseline_cell_matches_hand_checked_figures()
    {
        var march = Build(5).Periods.Single(p => p.Period == "2026-03");
        Assert.Equal(6, march.Submissions);
        Assert.Equal(6, march.Participants);
        var cell = march.Instruments["hope-core"].Occasions["baseline"];
        // 16, 20, 24, 28, 30
        Assert.Equal(5, cell.N);
        Assert.Equal(23.6, cell.Mean!.Value, 12);
        Assert.Equal(Math.Sqrt(32.8), cell.Sd!.Value, 12);
        Assert.Equal((24.0, 20.0, 28.0, 16.0, 30.0), (cell.Median!.Value, cell.Q1!.Value, cell.Q3!.Value, cell.Min!.Value, cell.Max!.Value));
        Assert.False(cell.Suppressed);
    }

    [Fact]
    public void Change_pairs_effect_size_and_reliable_change_match_hand_checked_figures()
    {
        var april = Build(5).Periods.Single(p => p.Period == "2026-04");
        var change = april.Instruments["hope-core"].Change;
        // +10, +2, -8 (discharge), +8, +1
        Assert.Equal(5, change.Pairs);
        Assert.Equal(2.6, change.MeanChange!.Value, 12);
        Assert.Equal(Math.Sqrt(49.8), change.SdChange!.Value, 12);
        Assert.Equal(2.6 / Math.Sqrt(49.8), change.EffectSize!.Value, 12);
        Assert.Equal(2, change.ReliablyImproved);
        Assert.Equal(1, change.ReliablyDeteriorated);
        Assert.Equal(4, april.Instruments["hope-core"].Occasions["followup"].N);
        Assert.Equal(1, april.Instruments["hope-core"].Occasions["discharge"].N);
    }

    [Fact]
    public void Stays_count_once_in_the_month_of_discharge_and_open_stays_not_at_all()
    {
        var report = Build(0);
        Assert.Equal(1, report.Periods.Single(p => p.Period == "2026-01").LengthOfStay.Stays);
        Assert.Equal(0, report.Periods.Single(p => p.Period == "2026-02").LengthOfStay.Stays);
        Assert.Equal(2, report.Periods.Single(p => p.Period == "2026-03").LengthOfStay.Stays);
        Assert.Equal(1, report.Periods.Single(p => p.Period == "2026-04").LengthOfStay.Stays);
        var total = report.Total.LengthOfStay; // 10, 10, 28, 31
        Assert.Equal(4, total.Stays);
        Assert.Equal(19.75, total.MeanDays!.Value, 12);
        Assert.Equal(Math.Sqrt(128.25), total.SdDays!.Value, 12);
        Assert.Equal((19.0, 10.0, 28.75), (total.MedianDays!.Value, total.Q1Days!.Value, total.Q3Days!.Value));
    }

    [Fact]
    public void Participants_are_counted_distinctly_over_the_range()
    {
        Assert.Equal(6, Build(0).Total.Participants);
        Assert.Equal(5, Build(0, "2026-04", "2026-04").Total.Participants);
        Assert.Equal(11, Build(0).Total.Submissions);
        Assert.Equal(0, Build(0).Periods.Single(p => p.Period == "2026-01").Participants);
    }

    [Fact]
    public void Figures_below_the_minimum_cell_size_are_suppressed_and_at_it_are_shown()
    {
        var atThreshold = Build(5);
        Assert.False(atThreshold.Periods.Single(p => p.Period == "2026-03").Instruments["hope-core"].Occasions["baseline"].Suppressed);
        var stays = atThreshold.Total.LengthOfStay;
        Assert.True(stays.Suppressed);
        Assert.Equal(4, stays.Stays);
        Assert.Null(stays.MeanDays);
        Assert.Null(stays.MedianDays);

        var above = Build(6).Periods.Single(p => p.Period == "2026-04").Instruments["hope-core"];
        Assert.True(above.Change.Suppressed);
        Assert.Null(above.Change.MeanChange);
        Assert.Null(above.Change.ReliablyImproved);
        Assert.Null(above.Occasions["followup"].Mean);
        Assert.True(above.Occasions["followup"].Suppressed);
    }

    [Fact]
    public void A_minimum_cell_size_of_zero_turns_suppression_off()
    {
        var cell = Build(0).Periods.Single(p => p.Period == "2026-04").Instruments["hope-core"].Occasions["discharge"];
        Assert.False(cell.Suppressed);
        Assert.Equal(20.0, cell.Mean);
        Assert.Null(cell.Sd); // one value has no sample SD
    }
}
