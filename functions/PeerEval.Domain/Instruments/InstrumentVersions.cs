namespace PeerEval.Domain.Instruments;

/// <summary>
/// Scores are only comparable on the same scale, so a definition whose items, ranges or scoring
/// change becomes a new version; figures and pairs never mix versions. New wording keeps the version.
/// </summary>
public static class InstrumentVersions
{
    /// <summary>The proposed definition with the version it is stored under, given the one it replaces (if any).</summary>
    public static InstrumentDefinition Versioned(InstrumentDefinition? current, InstrumentDefinition proposed) => proposed with
    {
        Version = current is null ? 1 : SameScale(current, proposed) ? current.Version : current.Version + 1,
    };

    public static bool SameScale(InstrumentDefinition a, InstrumentDefinition b) =>
        a.Items.Select(Scale).SequenceEqual(b.Items.Select(Scale))
        && a.Respondent == b.Respondent // one group's scores never pool with another's
        && a.Scoring.Method == b.Scoring.Method
        && a.Scoring.ProrateMaxMissing == b.Scoring.ProrateMaxMissing
        && (a.Scoring.Subscales ?? []).SequenceEqual(b.Scoring.Subscales ?? []);

    private static (string, int, int, bool, bool, string?) Scale(InstrumentItem item) =>
        (item.Id, item.Min, item.Max, item.Reversed, item.Scored, item.Subscale);
}
