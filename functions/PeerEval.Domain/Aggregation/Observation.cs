using PeerEval.Domain.Instruments;
using PeerEval.Domain.Submissions;

namespace PeerEval.Domain.Aggregation;

/// <summary>
/// One instrument's score as it stood when the submission was accepted. The direction and
/// reliable-change threshold travel with it so that later edits to a definition never rewrite history.
/// </summary>
public sealed record ScoredInstrument(string InstrumentId, double Score, bool HigherIsBetter, double? ReliableChangeThreshold);

/// <summary>What aggregation needs of one submission: no answers, no free text, no participant reference.</summary>
public sealed record Observation(
    string SubmissionId,
    Occasion Occasion,
    DateOnly CompletedOn,
    IReadOnlyList<ScoredInstrument> Scores,
    Stay? Stay)
{
    public static Observation From(SubmissionRequest request) => new(
        request.SubmissionId,
        request.Occasion,
        request.CompletedOn,
        request.Responses
            .Select(r => (r.Instrument, Score: Scoring.Score(r.Instrument, r.Answers)
                ?? throw new InvalidOperationException($"Validated answers for '{r.Instrument.Id}' did not score.")))
            .Select(r => new ScoredInstrument(r.Instrument.Id, r.Score.Total, r.Instrument.HigherIsBetter, r.Instrument.ReliableChange?.Threshold))
            .OrderBy(s => s.InstrumentId, StringComparer.Ordinal)
            .ToList(),
        request.Stay);

    /// <summary>Orders observations the same way everywhere: by date, then id.</summary>
    public static int CompareChronologically(Observation a, Observation b)
    {
        var byDate = a.CompletedOn.CompareTo(b.CompletedOn);
        return byDate != 0 ? byDate : string.CompareOrdinal(a.SubmissionId, b.SubmissionId);
    }
}

public static class Period
{
    public static string Of(DateOnly date) => $"{date.Year:D4}-{date.Month:D2}";

    public static bool TryParse(string? text, out DateOnly firstDay)
    {
        firstDay = default;
        return text is { Length: 7 } && text[4] == '-'
            && int.TryParse(text.AsSpan(0, 4), System.Globalization.NumberStyles.None, null, out var year)
            && int.TryParse(text.AsSpan(5, 2), System.Globalization.NumberStyles.None, null, out var month)
            && year is >= 1950 and <= 9999 && month is >= 1 and <= 12
            && (firstDay = new DateOnly(year, month, 1)) != default;
    }

    public static IEnumerable<string> Range(DateOnly from, DateOnly to)
    {
        for (var month = from; month <= to; month = month.AddMonths(1))
        {
            yield return Of(month);
            if (month == to)
                yield break; // before AddMonths: after 9999-12 there is no month to move to
        }
    }
}
