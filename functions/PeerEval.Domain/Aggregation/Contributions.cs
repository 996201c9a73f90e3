using PeerEval.Domain.Submissions;
using PeerEval.Contracts;

namespace PeerEval.Domain.Aggregation;

public enum ReliableChange { NotAssessed, NoReliableChange, Improved, Deteriorated }

public sealed record CellValue(string InstrumentId, Occasion Occasion, double Score);

public sealed record ChangeValue(string InstrumentId, double Change, ReliableChange Reliable);

/// <summary>
/// Everything one participant adds to one month's report. Reports are sums of these, so a
/// participant's effect can be replaced as a whole whenever their history changes, which makes
/// aggregation idempotent and independent of message order.
/// </summary>
public sealed record MonthContribution(
    int Submissions,
    string? PreviousActiveMonth,
    IReadOnlyList<CellValue> Cells,
    IReadOnlyList<ChangeValue> Changes,
    IReadOnlyList<int> StayDays)
{
    public static readonly MonthContribution None = new(0, null, [], [], []);

    public bool IsActive => Submissions > 0;
}

public static class Contributions
{
    /// <summary>Derives a participant's contribution to every month from their whole history.</summary>
    public static SortedDictionary<string, MonthContribution> Compute(IEnumerable<Observation> history)
    {
        var observations = history.ToList();
        observations.Sort(Observation.CompareChronologically);

        var submissions = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var cells = new Dictionary<string, List<CellValue>>();
        var changes = new Dictionary<string, List<ChangeValue>>();
        var stays = new Dictionary<string, List<int>>();

        foreach (var observation in observations)
        {
            var month = Period.Of(observation.CompletedOn);
            submissions[month] = submissions.GetValueOrDefault(month) + 1;
            foreach (var score in observation.Scores)
            {
                ListFor(cells, month).Add(new CellValue(score.InstrumentId, observation.Occasion, score.Score));
                if (observation.Occasion != Occasion.Baseline
                    && LatestEarlierBaseline(observations, observation, score.InstrumentId) is { } baseline)
                    ListFor(changes, month).Add(ChangeFrom(baseline, score));
            }
        }

        foreach (var (dischargedOn, days) in ClosedStays(observations))
            ListFor(stays, Period.Of(dischargedOn)).Add(days);

        var result = new SortedDictionary<string, MonthContribution>(StringComparer.Ordinal);
        string? previousActive = null;
        foreach (var month in submissions.Keys.Union(changes.Keys).Union(stays.Keys).Order(StringComparer.Ordinal))
        {
            var count = submissions.GetValueOrDefault(month);
            result[month] = new MonthContribution(
                count,
                count > 0 ? previousActive : null,
                OrEmpty(cells.GetValueOrDefault(month)),
                OrEmpty(changes.GetValueOrDefault(month)),
                OrEmpty(stays.GetValueOrDefault(month)));
            if (count > 0)
                previousActive = month;
        }
        return result;
    }

    private static ChangeValue ChangeFrom(ScoredInstrument baseline, ScoredInstrument later)
    {
        var change = later.Score - baseline.Score;
        var improvement = later.HigherIsBetter ? change : -change;
        var reliable = later.ReliableChangeThreshold switch
        {
            null => ReliableChange.NotAssessed,
            var t when improvement > t => ReliableChange.Improved,
            var t when improvement < -t => ReliableChange.Deteriorated,
            _ => ReliableChange.NoReliableChange,
        };
        return new ChangeValue(later.InstrumentId, change, reliable);
    }

    /// <summary>The baseline on the same instrument completed most recently before the later occasion.</summary>
    private static ScoredInstrument? LatestEarlierBaseline(List<Observation> chronological, Observation later, string instrumentId) =>
        chronological
            .Where(o => o.Occasion == Occasion.Baseline && o.CompletedOn < later.CompletedOn)
            .Select(o => o.Scores.FirstOrDefault(s => s.InstrumentId == instrumentId))
            .LastOrDefault(s => s is not null);

    /// <summary>
    /// A stay is known by its admission date. It counts once, when closed; if submissions disagree
    /// on the discharge date, the latest submission that gives one is taken.
    /// </summary>
    private static IEnumerable<(DateOnly DischargedOn, int Days)> ClosedStays(List<Observation> chronological) =>
        chronological
            .Where(o => o.Stay?.DischargedOn is not null)
            .GroupBy(o => o.Stay!.AdmittedOn)
            .Select(g => (AdmittedOn: g.Key, DischargedOn: g.Last().Stay!.DischargedOn!.Value))
            .Select(s => (s.DischargedOn, s.DischargedOn.DayNumber - s.AdmittedOn.DayNumber));

    private static List<T> ListFor<T>(Dictionary<string, List<T>> byMonth, string month)
    {
        if (!byMonth.TryGetValue(month, out var list))
            byMonth[month] = list = [];
        return list;
    }

    private static IReadOnlyList<T> OrEmpty<T>(List<T>? values) => values ?? [];
}

public static class ReportStates
{
    /// <summary>Report states computed from scratch from participants' histories: the reference a rebuild must equal.</summary>
    public static SortedDictionary<string, ReportState> FromHistories(IEnumerable<IEnumerable<Observation>> histories)
    {
        var months = new SortedDictionary<string, ReportState>(StringComparer.Ordinal);
        foreach (var history in histories)
            foreach (var (month, contribution) in Contributions.Compute(history))
                (months.TryGetValue(month, out var state) ? state : months[month] = new ReportState()).Add(contribution);
        return months;
    }
}
