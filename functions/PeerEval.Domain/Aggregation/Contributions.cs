using PeerEval.Domain.Instruments;
using PeerEval.Domain.Reports;
using PeerEval.Domain.Submissions;

namespace PeerEval.Domain.Aggregation;

public enum ReliableChange { NotAssessed, NoReliableChange, Improved, Deteriorated }

/// <summary>
/// What one participant adds to one figure group in one month: their values, the earlier months
/// they were in the group (see <see cref="Presence"/>), and for changes the reliable-change counts.
/// </summary>
/// <param name="CountsPerson">False only for an anonymous submission's part in a breakdown's `participants`, which never counts it.</param>
public sealed record GroupContribution(IReadOnlyList<double> Values, int EarlierMonths, int Assessed = 0, int Improved = 0, int Deteriorated = 0, bool CountsPerson = true);

/// <summary>
/// Everything one participant adds to one month's report. Reports are sums of these, so a
/// participant's effect can be replaced as a whole whenever their history changes, which makes
/// aggregation idempotent and independent of message order.
/// </summary>
/// <param name="Anonymous">From a public form: one person in its cells, never in `participants`.</param>
public sealed record MonthContribution(int Submissions, int EarlierMonths, IReadOnlyDictionary<string, GroupContribution> Groups, bool Anonymous = false)
{
    public bool IsActive => Submissions > 0 && !Anonymous;
}

public static class Contributions
{
    /// <summary>Derives a participant's contribution to every month from their whole history.</summary>
    public static SortedDictionary<string, MonthContribution> Compute(IEnumerable<Observation> history)
    {
        var observations = history.ToList();
        observations.Sort(Observation.CompareChronologically);

        var submissions = new Dictionary<int, int>();
        var groups = new Dictionary<(int Month, string Group), List<(double Value, ReliableChange Reliable)>>();
        // A figure counts for the whole service and for each part of a breakdown the submission's context names.
        void Add(int month, FigureGroup group, SupportContext? context, double value, ReliableChange reliable = ReliableChange.NotAssessed)
        {
            foreach (var key in Breakdown.Of(context).Select(group.In).Prepend(group).Select(g => g.Key))
            {
                if (!groups.TryGetValue((month, key), out var values))
                    groups[(month, key)] = values = [];
                values.Add((value, reliable));
            }
        }

        foreach (var observation in observations)
        {
            var month = ReportingCalendar.MonthIndex(observation.CompletedOn);
            submissions[month] = submissions.GetValueOrDefault(month) + 1;
            foreach (var part in Breakdown.Of(observation.Context))
                Add(month, FigureGroup.Active(part), null, 1);
            foreach (var score in observation.Scores)
            {
                Add(month, FigureGroup.Cell(score.Key, observation.Occasion), observation.Context, score.Score);
                if (observation.Occasion != Occasion.Baseline && LatestEarlierBaseline(observations, observation, score.Key) is { } baseline)
                {
                    var (change, reliable) = ChangeFrom(baseline, score);
                    Add(month, FigureGroup.Change(score.Key, observation.Occasion), observation.Context, change, reliable);
                }
            }
        }
        foreach (var (dischargedOn, days, context) in ClosedStays(observations))
            Add(ReportingCalendar.MonthIndex(dischargedOn), FigureGroup.Stays, context, days);

        var activeMonths = submissions.Keys.ToHashSet();
        var groupMonths = groups.Keys.GroupBy(k => k.Group, k => k.Month).ToDictionary(g => g.Key, g => (IReadOnlySet<int>)g.ToHashSet());
        var anonymous = observations.All(o => o.Anonymous);
        var result = new SortedDictionary<string, MonthContribution>(StringComparer.Ordinal);
        foreach (var month in activeMonths.Union(groups.Keys.Select(k => k.Month)))
        {
            var count = submissions.GetValueOrDefault(month);
            var byGroup = new SortedDictionary<string, GroupContribution>(StringComparer.Ordinal);
            foreach (var ((_, group), values) in groups.Where(g => g.Key.Month == month))
                byGroup[group] = new GroupContribution(
                    values.Select(v => v.Value).ToList(),
                    Presence.EarlierMonths(month, groupMonths[group]),
                    values.Count(v => v.Reliable != ReliableChange.NotAssessed),
                    values.Count(v => v.Reliable == ReliableChange.Improved),
                    values.Count(v => v.Reliable == ReliableChange.Deteriorated),
                    CountsPerson: !anonymous || FigureGroup.Parse(group).Kind != FigureKind.Active);
            result[ReportingCalendar.MonthName(month)] = new MonthContribution(
                count, count > 0 ? Presence.EarlierMonths(month, activeMonths) : 0, byGroup, anonymous);
        }
        return result;
    }

    private static (double Change, ReliableChange Reliable) ChangeFrom(ScoredInstrument baseline, ScoredInstrument later)
    {
        var change = Scores.Exact(later.Score - baseline.Score);
        var improvement = later.HigherIsBetter ? change : -change;
        var reliable = later.ReliableChangeThreshold switch
        {
            null => ReliableChange.NotAssessed,
            var t when improvement > t => ReliableChange.Improved,
            var t when improvement < -t => ReliableChange.Deteriorated,
            _ => ReliableChange.NoReliableChange,
        };
        return (change, reliable);
    }

    /// <summary>The baseline on the same instrument version completed most recently before the later occasion.</summary>
    private static ScoredInstrument? LatestEarlierBaseline(List<Observation> chronological, Observation later, string instrumentKey) =>
        chronological
            .Where(o => o.Occasion == Occasion.Baseline && o.CompletedOn < later.CompletedOn)
            .Select(o => o.Scores.FirstOrDefault(s => s.Key == instrumentKey))
            .LastOrDefault(s => s is not null);

    /// <summary>
    /// A stay is known by its admission date. It counts once, when closed; if submissions disagree
    /// on the discharge date, the latest submission that gives one is taken, and so is its context.
    /// </summary>
    private static IEnumerable<(DateOnly DischargedOn, int Days, SupportContext? Context)> ClosedStays(List<Observation> chronological) =>
        chronological
            .Where(o => o.Stay?.DischargedOn is not null)
            .GroupBy(o => o.Stay!.AdmittedOn)
            .Select(g => (AdmittedOn: g.Key, Closing: g.Last()))
            .Select(s => (s.Closing.Stay!.DischargedOn!.Value, s.Closing.Stay!.DischargedOn!.Value.DayNumber - s.AdmittedOn.DayNumber, s.Closing.Context));
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
