using PeerEval.Domain.Aggregation;

namespace PeerEval.Domain.Network;

/// <summary>What differs between a service's month as the pool last folded it and as it is now.</summary>
public sealed record PoolChange(IReadOnlyList<string> Groups, bool Totals)
{
    public bool IsEmpty => Groups.Count == 0 && !Totals;

    /// <summary>The first groups only, for a pass that folds no more than one transaction holds.</summary>
    public PoolChange Take(int groups) => Groups.Count <= groups ? this : new(Groups.Take(groups).ToList(), false);
}

/// <summary>
/// The network's pooled months: each the exact sum of its sharing services' months (services' people are
/// distinct, since participants are keyed per service), kept by replacing a service's part whole, never
/// by adding increments, so folding the same month again changes nothing.
/// </summary>
public static class Pool
{
    /// <summary>What a network report may break down by: the settings the services' submissions name, and the services themselves.</summary>
    public static readonly IReadOnlyList<string> Dimensions = ["setting", "service"];

    /// <summary>
    /// Whether the pool keeps a figure group of a service's month: the service's own figures and its
    /// setting breakdown. Teams and peer workers are each service's own codes, meaningless pooled.
    /// </summary>
    public static bool Holds(string key) => FigureGroup.IsWhole(key) || key.StartsWith(Breakdown.PrefixOf("setting"), StringComparison.Ordinal);

    /// <summary>
    /// The pooled month with a `service` breakdown: each service's own figure groups as parts of the
    /// pool's, and its submissions and participants as its `active` group, so disclosure control guards
    /// the services inside the pool as it guards teams inside a service.
    /// </summary>
    public static ReportState WithServices(ReportState pool, IEnumerable<(string ServiceId, ReportState Part)> parts)
    {
        var month = ReportState.Parse(pool.Serialize());
        foreach (var (serviceId, part) in parts)
        {
            var service = new Breakdown("service", serviceId);
            foreach (var (key, group) in part.Groups.Where(g => FigureGroup.IsWhole(g.Key)))
                month.Groups[FigureGroup.Parse(key).In(service).Key] = group;
            if (part.Submissions == 0)
                continue;
            var active = new FigureState();
            active.Values.Add(1, part.Submissions);
            foreach (var (pattern, count) in part.Participants.ByEarlierMonths)
                active.People.Add(pattern, count);
            month.Groups[FigureGroup.Active(service).Key] = active;
        }
        return month;
    }

    /// <summary>The figure groups (in key order) and totals that differ between two states of one service's month.</summary>
    public static PoolChange Diff(ReportState folded, ReportState current)
    {
        var groups = folded.Groups.Keys.Union(current.Groups.Keys, StringComparer.Ordinal)
            .Where(key => GroupText(folded, key) != GroupText(current, key))
            .Order(StringComparer.Ordinal)
            .ToList();
        return new PoolChange(groups, !folded.TotalsEqual(current));
    }

    /// <summary>Replaces, in the pool, a service's folded part with its current one, for what the change names.</summary>
    public static void Replace(ReportState pool, ReportState folded, ReportState current, PoolChange change)
    {
        pool.Merge(folded, -1, change.Groups, change.Totals);
        pool.Merge(current, +1, change.Groups, change.Totals);
    }

    /// <summary>The service's part after a pass that folded only some of a change: the folded part, with those groups (and totals) current.</summary>
    public static ReportState AfterPass(ReportState folded, ReportState current, PoolChange pass)
    {
        var after = ReportState.Parse(folded.Serialize());
        Replace(after, folded, current, pass);
        return after;
    }

    private static string? GroupText(ReportState state, string key) => state.Groups.ContainsKey(key) ? state.SerializeGroup(key) : null;
}
