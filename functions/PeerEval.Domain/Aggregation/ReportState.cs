using System.Text.Json;
using PeerEval.Domain.Statistics;
using PeerEval.Domain.Submissions;

namespace PeerEval.Domain.Aggregation;

public sealed class ChangeState
{
    public Histogram Values { get; } = new();
    public long Assessed { get; set; }
    public long Improved { get; set; }
    public long Deteriorated { get; set; }

    public bool IsEmpty => Values.IsEmpty;
}

/// <summary>
/// One service-month of report: exact histograms and counts only, so it is the same whatever order
/// contributions were applied or withdrawn in, and any months merge by addition.
/// </summary>
public sealed class ReportState
{
    public long Submissions { get; private set; }

    /// <summary>
    /// Active participants counted by the month each was last active before this one ("" for none).
    /// The participants active anywhere in [from, to] are exactly those active in some month of the
    /// range whose previous active month falls before `from`, so distinct counts stay exact over any range.
    /// </summary>
    public SortedDictionary<string, long> ParticipantsByPreviousMonth { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, Histogram> Cells { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, ChangeState> Changes { get; } = new(StringComparer.Ordinal);

    public Histogram Stays { get; } = new();

    public long Participants => ParticipantsByPreviousMonth.Values.Sum();

    public bool IsEmpty => Submissions == 0 && Cells.Count == 0 && Changes.Count == 0 && Stays.IsEmpty && ParticipantsByPreviousMonth.Count == 0;

    public static string CellKey(string instrumentId, Occasion occasion) => $"{instrumentId}|{occasion.ToName()}";

    public void Add(MonthContribution contribution) => Apply(contribution, +1);

    public void Withdraw(MonthContribution contribution) => Apply(contribution, -1);

    private void Apply(MonthContribution c, int sign)
    {
        Submissions += sign * c.Submissions;
        if (c.IsActive)
            Bump(ParticipantsByPreviousMonth, c.PreviousActiveMonth ?? "", sign);
        foreach (var cell in c.Cells)
        {
            var key = CellKey(cell.InstrumentId, cell.Occasion);
            var histogram = Cells.TryGetValue(key, out var h) ? h : Cells[key] = new Histogram();
            histogram.Add(cell.Score, sign);
            if (histogram.IsEmpty)
                Cells.Remove(key);
        }
        foreach (var change in c.Changes)
        {
            var state = Changes.TryGetValue(change.InstrumentId, out var s) ? s : Changes[change.InstrumentId] = new ChangeState();
            state.Values.Add(change.Change, sign);
            if (change.Reliable != ReliableChange.NotAssessed)
                state.Assessed += sign;
            if (change.Reliable == ReliableChange.Improved)
                state.Improved += sign;
            if (change.Reliable == ReliableChange.Deteriorated)
                state.Deteriorated += sign;
            if (state.IsEmpty)
                Changes.Remove(change.InstrumentId);
        }
        foreach (var days in c.StayDays)
            Stays.Add(days, sign);
    }

    private static void Bump(SortedDictionary<string, long> counts, string key, long sign)
    {
        var next = counts.GetValueOrDefault(key) + sign;
        if (next == 0)
            counts.Remove(key);
        else
            counts[key] = next;
    }

    public void Merge(ReportState other)
    {
        Submissions += other.Submissions;
        foreach (var (key, count) in other.ParticipantsByPreviousMonth)
            Bump(ParticipantsByPreviousMonth, key, count);
        foreach (var (key, histogram) in other.Cells)
            (Cells.TryGetValue(key, out var h) ? h : Cells[key] = new Histogram()).Merge(histogram);
        foreach (var (key, change) in other.Changes)
        {
            var state = Changes.TryGetValue(key, out var s) ? s : Changes[key] = new ChangeState();
            state.Values.Merge(change.Values);
            state.Assessed += change.Assessed;
            state.Improved += change.Improved;
            state.Deteriorated += change.Deteriorated;
        }
        Stays.Merge(other.Stays);
    }

    private sealed record Dto(
        long Submissions,
        SortedDictionary<string, long> Participants,
        SortedDictionary<string, string> Cells,
        SortedDictionary<string, ChangeDto> Changes,
        string Stays);

    private sealed record ChangeDto(string Values, long Assessed, long Improved, long Deteriorated);

    public string Serialize() => JsonSerializer.Serialize(new Dto(
        Submissions,
        ParticipantsByPreviousMonth,
        new SortedDictionary<string, string>(Cells.ToDictionary(c => c.Key, c => c.Value.Serialize()), StringComparer.Ordinal),
        new SortedDictionary<string, ChangeDto>(
            Changes.ToDictionary(c => c.Key, c => new ChangeDto(c.Value.Values.Serialize(), c.Value.Assessed, c.Value.Improved, c.Value.Deteriorated)),
            StringComparer.Ordinal),
        Stays.Serialize()), DomainJson.Options);

    public static ReportState Parse(string? json)
    {
        var state = new ReportState();
        if (string.IsNullOrEmpty(json))
            return state;
        var dto = JsonSerializer.Deserialize<Dto>(json, DomainJson.Options)!;
        state.Submissions = dto.Submissions;
        foreach (var (key, count) in dto.Participants)
            state.ParticipantsByPreviousMonth[key] = count;
        foreach (var (key, histogram) in dto.Cells)
            state.Cells[key] = Histogram.Parse(histogram);
        foreach (var (key, change) in dto.Changes)
        {
            var changeState = new ChangeState { Assessed = change.Assessed, Improved = change.Improved, Deteriorated = change.Deteriorated };
            changeState.Values.Merge(Histogram.Parse(change.Values));
            state.Changes[key] = changeState;
        }
        state.Stays.Merge(Histogram.Parse(dto.Stays));
        return state;
    }
}
