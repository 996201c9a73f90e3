namespace PeerEval.Domain.Aggregation;

/// <summary>
/// The people in one month of a figure group, each counted under the pattern of the eleven months
/// before it in which they were in that group too (bit i: i + 1 months earlier). A person then
/// counts once, in the first month they appear in, in any set of months spanning up to a year,
/// contiguous or not, so distinct counts stay exact for quarters, years and the residues that
/// disclosure control has to measure.
/// </summary>
public sealed class Presence
{
    public const int Lookback = 11;

    public SortedDictionary<int, long> ByEarlierMonths { get; } = [];

    public long People => ByEarlierMonths.Values.Sum();

    public bool IsEmpty => ByEarlierMonths.Count == 0;

    public void Add(int earlierMonths, long count)
    {
        var next = ByEarlierMonths.GetValueOrDefault(earlierMonths) + count;
        if (next < 0)
            throw new InvalidOperationException("Withdrawing a person who was never counted.");
        if (next == 0)
            ByEarlierMonths.Remove(earlierMonths);
        else
            ByEarlierMonths[earlierMonths] = next;
    }

    /// <summary>The earlier-months pattern of a month, given every month (as indices) the person is present in.</summary>
    public static int EarlierMonths(int month, IReadOnlySet<int> presentIn)
    {
        var pattern = 0;
        for (var back = 1; back <= Lookback; back++)
            if (presentIn.Contains(month - back))
                pattern |= 1 << (back - 1);
        return pattern;
    }

    /// <summary>Distinct people over a set of months no more than twelve apart.</summary>
    public static long DistinctPeople(Func<int, Presence?> presenceIn, IReadOnlyCollection<int> months)
    {
        if (months.Count > 0 && months.Max() - months.Min() > Lookback)
            throw new ArgumentException("Distinct people are counted over at most twelve consecutive months.", nameof(months));
        long people = 0;
        foreach (var month in months)
        {
            if (presenceIn(month) is not { } presence)
                continue;
            var earlierInSet = EarlierMonths(month, months as IReadOnlySet<int> ?? months.ToHashSet());
            foreach (var (pattern, count) in presence.ByEarlierMonths)
                if ((pattern & earlierInSet) == 0)
                    people += count;
        }
        return people;
    }
}
