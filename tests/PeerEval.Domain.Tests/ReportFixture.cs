using PeerEval.Domain.Aggregation;
using PeerEval.Domain.Instruments;
using PeerEval.Domain.Submissions;

namespace PeerEval.Domain.Tests;

/// <summary>
/// Six participants whose figures were worked out by hand (see ReportFigureTests). Hope-core scores,
/// reliable-change threshold 1.96 * 6 * sqrt(2) * sqrt(0.15) = 6.4412.
/// </summary>
public static class ReportFixture
{
    private static readonly double Threshold = BuiltInInstruments.HopeCore.ReliableChange!.Threshold;

    public static Observation Obs(string id, Occasion occasion, string date, double? score, Stay? stay = null) =>
        new(id, occasion, DateOnly.Parse(date), score is null ? [] : [new ScoredInstrument("hope-core", score.Value, true, Threshold)], stay);

    public static Stay Stay(string admitted, string? discharged = null) =>
        new(DateOnly.Parse(admitted), discharged is null ? null : DateOnly.Parse(discharged));

    public static Dictionary<string, List<Observation>> Histories() => new()
    {
        ["A"] = [Obs("a1", Occasion.Baseline, "2026-03-01", 20, Stay("2026-02-01", "2026-03-01")), Obs("a2", Occasion.Followup, "2026-04-01", 30)],
        ["B"] = [Obs("b1", Occasion.Baseline, "2026-03-02", 24), Obs("b2", Occasion.Followup, "2026-04-01", 26, Stay("2026-03-01", "2026-03-11"))],
        ["C"] = [Obs("c1", Occasion.Baseline, "2026-03-03", 28, Stay("2026-03-01")), Obs("c2", Occasion.Discharge, "2026-04-01", 20, Stay("2026-03-01", "2026-04-01"))],
        ["D"] = [Obs("d1", Occasion.Baseline, "2026-03-04", 16, Stay("2026-01-10", "2026-01-20")), Obs("d2", Occasion.Followup, "2026-04-02", 24)],
        ["E"] = [Obs("e1", Occasion.Baseline, "2026-03-05", 30), Obs("e2", Occasion.Followup, "2026-04-03", 31)],
        ["F"] = [Obs("f1", Occasion.Baseline, "2026-03-06", null, Stay("2026-03-06"))],
    };
}
