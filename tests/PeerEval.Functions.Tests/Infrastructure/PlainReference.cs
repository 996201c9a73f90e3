using PeerEval.Testing;
using CsCheck;
using PeerEval.Contracts;

namespace PeerEval.Functions.Tests.Infrastructure;

/// <summary>A raw hope-core submission as the test sent it.</summary>
public sealed record RawSubmission(string Id, string Participant, string Occasion, DateOnly CompletedOn, int[] Answers, DateOnly? AdmittedOn, DateOnly? DischargedOn)
{
    /// <summary>hope-core, computed the plain way: h3 and h6 reversed on a 1-5 scale, summed.</summary>
    public double Score => Answers.Select((v, i) => i is 2 or 5 ? 6 - v : v).Sum();

    public string Period => CompletedOn.ToString("yyyy-MM");

    /// <summary>Random hope-core submissions from six people over four months, some with stays, open or closed.</summary>
    public static readonly Gen<RawSubmission> Generator =
        from participant in Gen.Int[1, 6]
        from occasion in Gen.Int[0, 2]
        from month in Gen.Int[1, 4]
        from day in Gen.Int[1, 28]
        from answers in Gen.Int[1, 5].Array[8]
        from stay in Gen.Int[0, 3]
        from stayDays in Gen.Int[1, 40]
        let completedOn = new DateOnly(2026, month, day)
        let admitted = completedOn.AddDays(-stayDays)
        select new RawSubmission(Guid.NewGuid().ToString(), $"person-{participant}", new[] { "baseline", "followup", "discharge" }[occasion],
            completedOn, answers, stay == 0 ? null : admitted, stay >= 2 ? completedOn.AddDays(-stayDays / 2) : null);


    public Dictionary<string, object?> Body() => Bodies.Hope(Participant, Occasion, CompletedOn.ToString("yyyy-MM-dd"), Answers,
        AdmittedOn is null ? null : new { admittedOn = AdmittedOn.Value.ToString("yyyy-MM-dd"), dischargedOn = DischargedOn?.ToString("yyyy-MM-dd") }, Id);
}

/// <summary>
/// The contract's figures computed straight from the raw submissions, written without the product's
/// code: no histograms, no contributions, just lists.
/// </summary>
public static class PlainReference
{
    public sealed record PeriodFigures(
        int Submissions, int Participants,
        Dictionary<string, (int N, int People, double Mean)> Cells,
        Dictionary<string, (int Pairs, int People, double Mean)> Changes,
        int Stays, double? MeanDays);

    /// <summary>Whether a month (yyyy-MM) lies in a calendar-year period: a month, yyyy-Qn or yyyy.</summary>
    public static bool InPeriod(string period, string month) => period.Length switch
    {
        4 => month.StartsWith(period, StringComparison.Ordinal),
        7 when period[5] == 'Q' => month[..4] == period[..4] && (int.Parse(month[5..]) - 1) / 3 + 1 == period[6] - '0',
        _ => month == period,
    };

    public static PeriodFigures For(IReadOnlyList<RawSubmission> all, string period)
    {
        var here = all.Where(s => InPeriod(period, s.Period)).ToList();
        var cells = here.GroupBy(s => s.Occasion).ToDictionary(g => g.Key, g => (g.Count(), g.Select(s => s.Participant).Distinct().Count(), g.Average(s => s.Score)));

        var changes = new List<(string Occasion, string Participant, double Change)>();
        foreach (var later in here.Where(s => s.Occasion != "baseline"))
        {
            var baseline = all.Where(s => s.Participant == later.Participant && s.Occasion == "baseline" && s.CompletedOn < later.CompletedOn)
                .OrderBy(s => s.CompletedOn).ThenBy(s => s.Id, StringComparer.Ordinal).LastOrDefault();
            if (baseline is not null)
                changes.Add((later.Occasion, later.Participant, later.Score - baseline.Score));
        }

        var stays = all.Where(s => s.DischargedOn is not null)
            .GroupBy(s => (s.Participant, s.AdmittedOn))
            .Select(g => g.OrderBy(s => s.CompletedOn).ThenBy(s => s.Id, StringComparer.Ordinal).Last())
            .Where(s => InPeriod(period, s.DischargedOn!.Value.ToString("yyyy-MM")))
            .Select(s => s.DischargedOn!.Value.DayNumber - s.AdmittedOn!.Value.DayNumber)
            .ToList();

        return new PeriodFigures(here.Count, here.Select(s => s.Participant).Distinct().Count(), cells,
            changes.GroupBy(c => c.Occasion).ToDictionary(g => g.Key, g => (g.Count(), g.Select(c => c.Participant).Distinct().Count(), g.Average(c => c.Change))),
            stays.Count, stays.Count == 0 ? null : stays.Average());
    }
}
