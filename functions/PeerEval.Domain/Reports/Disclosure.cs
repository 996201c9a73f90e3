using PeerEval.Domain.Aggregation;

namespace PeerEval.Domain.Reports;

/// <summary>
/// Decides which figure groups a reporting year may publish, for the year, its quarters and its
/// months at once, from that year's data alone: so the decisions are the same whatever report is
/// asked for, and no two reports can be combined to undo them.
/// <list type="bullet">
/// <item>Primary: a group with fewer than k people is suppressed.</item>
/// <item>Secondary: for every published quarter and year, the part that no published group inside it
/// covers (its residue, which a reader can work out by subtraction) holds no one or at least k people;
/// where it would not, the smallest covering group is suppressed too, until it does.</item>
/// </list>
/// The residues of a year and its quarters are the finest sets a reader can solve for by adding and
/// subtracting published figures, so guarding them guards every set. A breakdown (team, setting) adds
/// groups contained in a service's periods and plugs into the same residue rule.
/// </summary>
public static class Disclosure
{
    public static IEnumerable<(string Group, string Period)> Publishable(
        ReportingCalendar calendar, ReportPeriod year, Func<int, ReportState?> months, int minCellSize, bool secondary = true)
    {
        ReportPeriod[] periods = [year, .. calendar.PeriodsWithin(year)];
        var groups = year.Months.SelectMany(m => months(m)?.Groups.Keys ?? Enumerable.Empty<string>()).Distinct(StringComparer.Ordinal);
        foreach (var group in groups)
        {
            long People(IEnumerable<int> set) => Presence.DistinctPeople(m => months(m)?.Groups.GetValueOrDefault(group)?.People, set.ToHashSet());
            var open = periods.Where(p => People(p.Months) >= minCellSize).ToHashSet();
            if (secondary && minCellSize > 0)
                foreach (var container in periods.Where(p => p.Granularity != Granularity.Month).OrderBy(p => p.MonthCount))
                    ProtectResidue(container, open, People, minCellSize);
            foreach (var period in open)
                yield return (group, period.Name);
        }
    }

    private static void ProtectResidue(ReportPeriod container, HashSet<ReportPeriod> open, Func<IEnumerable<int>, long> people, int minCellSize)
    {
        while (open.Contains(container))
        {
            var covering = LargestOpenWithin(container, open);
            var residue = people(Residue(container, covering));
            if (residue == 0 || residue >= minCellSize)
                return;
            // A group whose own residue is empty adds no one when suppressed, so it goes last; suppressing it
            // still makes progress, since its months then cover the container directly.
            var next = covering
                .OrderBy(p => people(Residue(p, LargestOpenWithin(p, open))) == 0)
                .ThenBy(p => people(p.Months))
                .ThenBy(p => p.FirstMonth)
                .ThenBy(p => p.MonthCount)
                .First();
            open.Remove(next);
        }
    }

    /// <summary>Published groups inside the container that no other published group inside it contains.</summary>
    private static List<ReportPeriod> LargestOpenWithin(ReportPeriod container, HashSet<ReportPeriod> open)
    {
        var inside = open.Where(p => p != container && container.Contains(p)).ToList();
        return inside.Where(p => !inside.Any(q => q != p && q.Contains(p))).ToList();
    }

    private static IEnumerable<int> Residue(ReportPeriod container, List<ReportPeriod> covering) =>
        container.Months.Where(m => !covering.Any(c => m >= c.FirstMonth && m <= c.LastMonth));
}
