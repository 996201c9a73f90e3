using PeerEval.Domain.Instruments;
using PeerEval.Domain.Submissions;

namespace PeerEval.Domain.Aggregation;

/// <summary>
/// One instrument's score as it stood when the submission was accepted. The direction and
/// reliable-change threshold travel with it so that later edits to a definition never rewrite history.
/// </summary>
public sealed record ScoredInstrument(string InstrumentId, double Score, bool HigherIsBetter, double? ReliableChangeThreshold, int Version = 1)
{
    /// <summary>Figures and pairs never mix versions, so everything is keyed by id and version.</summary>
    public string Key => FigureGroup.InstrumentKey(InstrumentId, Version);
}

/// <summary>What aggregation needs of one submission: no answers, no free text, no participant reference.</summary>
public sealed record Observation(
    string SubmissionId,
    Occasion Occasion,
    DateOnly CompletedOn,
    IReadOnlyList<ScoredInstrument> Scores,
    Stay? Stay,
    SupportContext? Context = null,
    bool Anonymous = false)
{
    public static Observation From(SubmissionRequest request) => new(
        request.SubmissionId,
        request.Occasion,
        request.CompletedOn,
        request.Responses
            .Select(r => (r.Instrument, Score: Scoring.Score(r.Instrument, r.Answers)
                ?? throw new InvalidOperationException($"Validated answers for '{r.Instrument.Id}' did not score.")))
            .Select(r => new ScoredInstrument(r.Instrument.Id, r.Score.Total, r.Instrument.HigherIsBetter, r.Instrument.ReliableChange?.Threshold, r.Instrument.Version))
            .OrderBy(s => s.InstrumentId, StringComparer.Ordinal)
            .ToList(),
        request.Stay,
        request.Context,
        request.Anonymous);

    /// <summary>Orders observations the same way everywhere: by date, then id.</summary>
    public static int CompareChronologically(Observation a, Observation b)
    {
        var byDate = a.CompletedOn.CompareTo(b.CompletedOn);
        return byDate != 0 ? byDate : string.CompareOrdinal(a.SubmissionId, b.SubmissionId);
    }
}
