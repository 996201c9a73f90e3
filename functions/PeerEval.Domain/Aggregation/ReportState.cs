using System.Text.Json;
using PeerEval.Domain.Statistics;

namespace PeerEval.Domain.Aggregation;

/// <summary>One figure group in one month: its values, its people, and for changes the reliable-change counts.</summary>
public sealed class FigureState
{
    public Histogram Values { get; } = new();
    public Presence People { get; } = new();
    public long Assessed { get; set; }
    public long Improved { get; set; }
    public long Deteriorated { get; set; }

    public bool IsEmpty => Values.IsEmpty && People.IsEmpty && Assessed == 0;
}

/// <summary>
/// One service-month of report: exact histograms and counts only, so it is the same whatever order
/// contributions were applied or withdrawn in.
/// </summary>
public sealed class ReportState
{
    public long Submissions { get; private set; }

    /// <summary>Participants with a submission this month (see <see cref="Presence"/>).</summary>
    public Presence Participants { get; } = new();

    /// <summary>Figure groups by <see cref="FigureGroup.Key"/>.</summary>
    public SortedDictionary<string, FigureState> Groups { get; } = new(StringComparer.Ordinal);

    public bool IsEmpty => Submissions == 0 && Participants.IsEmpty && Groups.Count == 0;

    public void Add(MonthContribution contribution) => Apply(contribution, +1);

    public void Withdraw(MonthContribution contribution) => Apply(contribution, -1);

    private void Apply(MonthContribution c, int sign)
    {
        Submissions += sign * c.Submissions;
        if (c.IsActive)
            Participants.Add(c.EarlierMonths, sign);
        foreach (var (key, group) in c.Groups)
        {
            var state = Groups.TryGetValue(key, out var s) ? s : Groups[key] = new FigureState();
            foreach (var value in group.Values)
                state.Values.Add(value, sign);
            if (group.CountsPerson)
                state.People.Add(group.EarlierMonths, sign);
            state.Assessed += sign * group.Assessed;
            state.Improved += sign * group.Improved;
            state.Deteriorated += sign * group.Deteriorated;
            if (state.IsEmpty)
                Groups.Remove(key);
        }
    }

    /// <summary>
    /// Adds (sign +1) or takes away (sign -1) another month's totals and the named figure groups of it:
    /// how a pool of services replaces one member's part with exact counts.
    /// </summary>
    public void Merge(ReportState other, int sign, IEnumerable<string> groups, bool totals)
    {
        if (totals)
        {
            Submissions += sign * other.Submissions;
            foreach (var (pattern, count) in other.Participants.ByEarlierMonths)
                Participants.Add(pattern, sign * count);
        }
        foreach (var key in groups)
        {
            if (!other.Groups.TryGetValue(key, out var group))
                continue;
            var state = Groups.TryGetValue(key, out var s) ? s : Groups[key] = new FigureState();
            foreach (var (value, count) in group.Values.Bins)
                state.Values.Add(value, sign * count);
            foreach (var (pattern, count) in group.People.ByEarlierMonths)
                state.People.Add(pattern, sign * count);
            state.Assessed += sign * group.Assessed;
            state.Improved += sign * group.Improved;
            state.Deteriorated += sign * group.Deteriorated;
            if (state.IsEmpty)
                Groups.Remove(key);
        }
    }

    /// <summary>Whether the submissions and participants of two months are the same.</summary>
    public bool TotalsEqual(ReportState other) =>
        Submissions == other.Submissions && Participants.ByEarlierMonths.SequenceEqual(other.Participants.ByEarlierMonths);

    private sealed record Dto(long Submissions, SortedDictionary<int, long> Participants, SortedDictionary<string, GroupDto> Groups);

    /// <param name="Groups">The figure groups the month has rows for, so a reader can fetch them by key.</param>
    private sealed record TotalsDto(long Submissions, SortedDictionary<int, long> Participants, IReadOnlyList<string>? Groups = null);

    private sealed record GroupDto(string Values, SortedDictionary<int, long> People, long Assessed, long Improved, long Deteriorated);

    /// <summary>The whole month as one text: what tests compare a rebuild with.</summary>
    public string Serialize() => JsonSerializer.Serialize(new Dto(
        Submissions,
        Participants.ByEarlierMonths,
        new SortedDictionary<string, GroupDto>(Groups.ToDictionary(g => g.Key, g => ToDto(g.Value)), StringComparer.Ordinal)), DomainJson.Options);

    public static ReportState Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
            return new ReportState();
        var dto = JsonSerializer.Deserialize<Dto>(json, DomainJson.Options)!;
        var state = new ReportState();
        state.SetTotals(new TotalsDto(dto.Submissions, dto.Participants));
        foreach (var (key, group) in dto.Groups)
            state.Groups[key] = FromDto(group);
        return state;
    }

    // Stored apart, so no one row has to hold a whole month: the totals, and each figure group.

    public string SerializeTotals(IEnumerable<string> groupKeys) =>
        JsonSerializer.Serialize(new TotalsDto(Submissions, Participants.ByEarlierMonths, groupKeys.Order(StringComparer.Ordinal).ToList()), DomainJson.Options);

    /// <summary>The figure groups stored totals list.</summary>
    public static IReadOnlyList<string> GroupKeysOf(string? totals) =>
        string.IsNullOrEmpty(totals) ? [] : JsonSerializer.Deserialize<TotalsDto>(totals, DomainJson.Options)!.Groups ?? [];

    public string SerializeGroup(string key) => JsonSerializer.Serialize(ToDto(Groups[key]), DomainJson.Options);

    /// <summary>A month from its stored parts: the totals (null before the first write) and any of its figure groups.</summary>
    public static ReportState Assemble(string? totals, IEnumerable<KeyValuePair<string, string>> groups)
    {
        var state = new ReportState();
        if (!string.IsNullOrEmpty(totals))
            state.SetTotals(JsonSerializer.Deserialize<TotalsDto>(totals, DomainJson.Options)!);
        foreach (var (key, json) in groups)
            state.Groups[key] = FromDto(JsonSerializer.Deserialize<GroupDto>(json, DomainJson.Options)!);
        return state;
    }

    private void SetTotals(TotalsDto totals)
    {
        Submissions = totals.Submissions;
        foreach (var (pattern, count) in totals.Participants)
            Participants.Add(pattern, count);
    }

    private static FigureState FromDto(GroupDto group)
    {
        var figure = new FigureState { Assessed = group.Assessed, Improved = group.Improved, Deteriorated = group.Deteriorated };
        figure.Values.Merge(Histogram.Parse(group.Values));
        foreach (var (pattern, count) in group.People)
            figure.People.Add(pattern, count);
        return figure;
    }

    private static GroupDto ToDto(FigureState group) =>
        new(group.Values.Serialize(), group.People.ByEarlierMonths, group.Assessed, group.Improved, group.Deteriorated);
}
