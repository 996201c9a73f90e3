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
/// subtracting published figures, so guarding them guards every set. Breakdowns (team, setting, peer
/// worker) are guarded by <see cref="PublishableParts"/> on top of the service's own decisions.
/// </summary>
public static class Disclosure
{
    public static IEnumerable<(string Group, string Period)> Publishable(
        ReportingCalendar calendar, ReportPeriod year, Func<int, ReportState?> months, int minCellSize, bool secondary = true)
    {
        ReportPeriod[] periods = [year, .. calendar.PeriodsWithin(year)];
        var groups = year.Months.SelectMany(m => months(m)?.Groups.Keys ?? Enumerable.Empty<string>()).Where(FigureGroup.IsWhole).Distinct(StringComparer.Ordinal);
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

    /// <summary>
    /// Which parts of one breakdown a year may publish, given what the service's own figures publish
    /// (<paramref name="whole"/>). For each figure group, every published part is published for the
    /// same periods, inside those the service publishes; the parts left unpublished and the
    /// submissions with no value for the dimension form one "rest", which a reader can reach only by
    /// subtracting parts from the service's figures.
    /// <list type="bullet">
    /// <item>Each published part holds no one or at least k people in each residue of its periods;
    /// where it fails, it goes unpublished if it holds fewer than k people over the whole year, and
    /// otherwise that period goes unpublished for every part. The rest is held to the same: where it
    /// is small over the year too, the smallest published part joins it.</item>
    /// <item>Counts stay visible, so a reader knows the months a part is empty in: a part published
    /// for the year but seen only in one quarter is known for that quarter, and the service's quarter
    /// less that part is the rest there. Each residue of the parts' periods is a table whose columns
    /// are the service's residues inside it; the sets that table solves for are checked too
    /// (<see cref="ShortfallInTables"/>).</item>
    /// </list>
    /// </summary>
    /// <remarks>
    /// People in two parts in one period (a move between teams) make the rest's people known only
    /// within bounds; the lower bound decides, which can only suppress more.
    /// </remarks>
    public static IEnumerable<(string Group, string Period)> PublishableParts(
        ReportingCalendar calendar, ReportPeriod year, Func<int, ReportState?> months, int minCellSize, string dimension,
        IReadOnlySet<(string Group, string Period)> whole, bool secondary = true)
    {
        ReportPeriod[] periods = [year, .. calendar.PeriodsWithin(year)];
        var parts = year.Months.SelectMany(m => months(m)?.Groups.Keys ?? Enumerable.Empty<string>())
            .Where(k => k.StartsWith(Breakdown.PrefixOf(dimension), StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .Select(FigureGroup.Parse)
            .Where(g => g.Kind != FigureKind.Active)
            .GroupBy(g => g.Whole.Key, StringComparer.Ordinal);
        foreach (var byWhole in parts)
        {
            var measure = new GroupMeasure(year, months);
            var all = byWhole.Select(g => g.Key).Order(StringComparer.Ordinal).ToList();
            if (minCellSize == 0 || !secondary)
            {
                foreach (var part in all)
                    foreach (var period in periods.Where(p => minCellSize == 0 || measure.People(part, measure.Mask(p)) >= minCellSize))
                        yield return (part, period.Name);
                continue;
            }
            var open = periods.Where(p => whole.Contains((byWhole.Key, p.Name))).ToHashSet();
            var wholeAtoms = Atoms(open, measure);
            var published = all.ToList();
            while (true)
            {
                var partAtoms = Atoms(open, measure);
                if (ShortfallInPeriods(partAtoms, published, byWhole.Key, measure, minCellSize) is var (period, part))
                {
                    // Small over the whole year too, the part (or the rest) is small wherever it is seen:
                    // unpublishing a part settles it for every period at once; otherwise the one period goes.
                    var yearMask = measure.Mask(year);
                    var smallAllYear = period.Granularity == Granularity.Year || (part is not null
                        ? measure.People(part, yearMask) < minCellSize
                        : RestPeople(byWhole.Key, published, all.Except(published).ToList(), yearMask, measure) < minCellSize);
                    if (!smallAllYear)
                        open.Remove(period);
                    else if (part is not null)
                        published.Remove(part);
                    else if (published.Count > 0)
                        published.Remove(published.MinBy(p => (measure.People(p, yearMask), p))!);
                    else
                        break;
                }
                else if (ShortfallInTables(wholeAtoms, partAtoms, published, all, byWhole.Key, measure, minCellSize) is { } exposing)
                    published.Remove(exposing);
                else
                    break;
            }
            foreach (var part in published)
                foreach (var period in open)
                    yield return (part, period.Name);
        }
    }

    /// <summary>The residues (as month masks) of a set of published periods: the finest sets their figures can be split into.</summary>
    private static List<(ReportPeriod Period, int Months)> Atoms(HashSet<ReportPeriod> open, GroupMeasure measure) =>
        open.OrderBy(p => p.MonthCount).ThenBy(p => p.FirstMonth)
            .Select(p => (p, measure.Mask(Residue(p, LargestOpenWithin(p, open)))))
            .Where(a => a.Item2 != 0)
            .ToList();

    /// <summary>The first residue of the parts' periods, smallest first, in which a published part, or the rest, holds from 1 to k - 1 people.</summary>
    private static (ReportPeriod Period, string? Part)? ShortfallInPeriods(
        List<(ReportPeriod Period, int Months)> atoms, List<string> published, string wholeKey, GroupMeasure measure, int minCellSize)
    {
        foreach (var (period, residue) in atoms)
        {
            var peopleByPart = published.Select(p => measure.People(p, residue)).ToList();
            var shortPart = peopleByPart.FindIndex(p => p > 0 && p < minCellSize);
            if (shortPart >= 0)
                return (period, published[shortPart]);
            if (RestPeople(wholeKey, published, [], residue, measure) is > 0 and var rest && rest < minCellSize)
                return (period, null);
        }
        return null;
    }

    /// <summary>
    /// Within one residue of the parts' periods, a reader knows the service's figure over each of its
    /// own residues inside it (the columns of a table), each published part's figure over the whole
    /// of it (a row; the rest's row is the difference), and which cells are empty (counts are
    /// visible). Such a table solves for just these sets of cells: whole rows, whole columns, and for
    /// a set C of columns, the cells in C of the rows that also have cells outside C (the columns
    /// less the rows inside them). The last must hold no one or at least k people; where it does
    /// not, the smallest published part with cells in C goes unpublished.
    /// </summary>
    private static string? ShortfallInTables(
        List<(ReportPeriod Period, int Months)> wholeAtoms, List<(ReportPeriod Period, int Months)> partAtoms,
        List<string> published, List<string> all, string wholeKey, GroupMeasure measure, int minCellSize)
    {
        var unpublished = all.Except(published).ToList();
        foreach (var (_, table) in partAtoms)
        {
            var columns = wholeAtoms.Select(a => a.Months).Where(m => (m & table) == m && (m & measure.Support(wholeKey)) != 0).ToList();
            if (columns.Count < 2)
                continue;
            // Rows: each published part, and the rest (null), by the columns they have cells in.
            var rows = published.Select(p => (Part: (string?)p, Cells: Cells(columns, c => measure.Values(p, c) > 0)))
                .Append((Part: null, Cells: Cells(columns, c => RestValues(wholeKey, published, c, measure) > 0)))
                .Where(r => r.Cells != 0)
                .ToList();
            int Months(int cells) => Enumerable.Range(0, columns.Count).Where(i => (cells >> i & 1) == 1).Aggregate(0, (mask, i) => mask | columns[i]);
            for (var chosen = 1; chosen < (1 << columns.Count) - 1; chosen++)
            {
                var crossing = rows.Where(r => (r.Cells & ~chosen) != 0 && (r.Cells & chosen) != 0).ToList();
                if (crossing.Count == 0)
                    continue;
                var people = crossing.Max(r => r.Part is { } part
                    ? measure.People(part, Months(r.Cells & chosen))
                    : RestPeople(wholeKey, published, unpublished, Months(r.Cells & chosen), measure));
                // What a reader subtracts are the rows inside C; unpublishing one of those, or of the crossing rows, changes the sum.
                var involved = rows.Where(r => r.Part is not null && (r.Cells & chosen) != 0).ToList();
                if (people < minCellSize && involved.Count > 0)
                    return involved.MinBy(r => (measure.People(r.Part!, table), r.Part)).Part;
            }
        }
        return null;
    }

    private static int Cells(List<int> columns, Func<int, bool> holds) =>
        Enumerable.Range(0, columns.Count).Where(i => holds(columns[i])).Aggregate(0, (mask, i) => mask | 1 << i);

    private static long RestValues(string wholeKey, List<string> published, int set, GroupMeasure measure) =>
        measure.Values(wholeKey, set) - published.Sum(p => measure.Values(p, set));

    /// <summary>
    /// The rest's people over a set of months, from below: the service's people less the published
    /// parts', or the largest unpublished part; at least one where it holds any value.
    /// </summary>
    private static long RestPeople(string wholeKey, List<string> published, List<string> unpublished, int set, GroupMeasure measure) =>
        RestValues(wholeKey, published, set, measure) == 0
            ? 0
            : Math.Max(Math.Max(measure.People(wholeKey, set) - published.Sum(p => measure.People(p, set)), 1),
                unpublished.Select(p => measure.People(p, set)).DefaultIfEmpty(0).Max());

    /// <summary>People, values and non-empty months of figure groups over sets of a year's months (bit i: the year's month i), each worked out once.</summary>
    private sealed class GroupMeasure(ReportPeriod year, Func<int, ReportState?> months)
    {
        private readonly Dictionary<(string, int), long> people = [];
        private readonly Dictionary<(string, int), long> values = [];
        private readonly Dictionary<string, int> support = [];

        public int Mask(IEnumerable<int> set) => set.Aggregate(0, (mask, m) => mask | 1 << (m - year.FirstMonth));

        public int Mask(ReportPeriod period) => Mask(period.Months);

        private IEnumerable<int> MonthsOf(int mask) => year.Months.Where(m => (mask >> (m - year.FirstMonth) & 1) == 1);

        public long People(string key, int mask)
        {
            if (!people.TryGetValue((key, mask), out var count))
                people[(key, mask)] = count = Presence.DistinctPeople(m => months(m)?.Groups.GetValueOrDefault(key)?.People, MonthsOf(mask).ToHashSet());
            return count;
        }

        public long Values(string key, int mask)
        {
            if (!values.TryGetValue((key, mask), out var count))
                values[(key, mask)] = count = MonthsOf(mask).Sum(m => months(m)?.Groups.GetValueOrDefault(key)?.Values.Count ?? 0);
            return count;
        }

        public int Support(string key)
        {
            if (!support.TryGetValue(key, out var mask))
                support[key] = mask = Mask(year.Months.Where(m => months(m)?.Groups.GetValueOrDefault(key)?.Values.IsEmpty == false));
            return mask;
        }
    }
}
