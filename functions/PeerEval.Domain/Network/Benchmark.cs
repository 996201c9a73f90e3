using PeerEval.Domain.Aggregation;
using PeerEval.Domain.Reports;

namespace PeerEval.Domain.Network;

/// <summary>
/// The network's pooled figures shown to one sharing service beside its own. The service knows its
/// own figures, so what the benchmark tells it is the rest of the pool (the pool less its part:
/// people in different services are different people). A pooled figure is shown only where that
/// rest holds no one or is itself publishable, across the year's periods as disclosure control decides.
/// </summary>
public static class Benchmark
{
    /// <summary>The pooled months less the service's part, or null for a month whose pool and part were read mid-fold and do not subtract.</summary>
    public static Func<int, ReportState?> Rest(Func<int, ReportState?> pool, Func<int, ReportState?> part)
    {
        var rest = new Dictionary<int, ReportState?>();
        return month =>
        {
            if (rest.TryGetValue(month, out var known))
                return known;
            var state = pool(month) is { } pooled ? ReportState.Parse(pooled.Serialize()) : new ReportState();
            try
            {
                if (part(month) is { } own)
                    state.Merge(own, -1, own.Groups.Keys.Where(FigureGroup.IsWhole), totals: true);
            }
            catch (InvalidOperationException)
            {
                state = null;
            }
            return rest[month] = state;
        };
    }

    /// <summary>Whether the service may see a pooled figure group for a period: the rest of the pool in it is no one, or publishable.</summary>
    public static Func<string, ReportPeriod, bool> MayShow(ReportingCalendar calendar, IReadOnlyList<ReportPeriod> years, Func<int, ReportState?> rest, int minCellSize)
    {
        // A year with a month that did not subtract shows nothing of the pool: better a gap than a guess.
        var unreadable = years.Where(y => y.Months.Any(m => rest(m) is null)).Select(y => y.Name).ToHashSet();
        var publishable = years.Where(y => !unreadable.Contains(y.Name))
            .SelectMany(y => Disclosure.Publishable(calendar, y, rest, minCellSize)).ToHashSet();
        return (group, period) => !unreadable.Contains(calendar.YearOf(period.FirstMonth).Name)
            && (publishable.Contains((group, period.Name))
                || Presence.DistinctPeople(m => rest(m)?.Groups.GetValueOrDefault(group)?.People, period.Months.ToHashSet()) == 0);
    }
}
