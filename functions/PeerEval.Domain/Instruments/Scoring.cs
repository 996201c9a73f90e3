namespace PeerEval.Domain.Instruments;

/// <summary>A scored questionnaire: the total and each subscale, after reversal and prorating.</summary>
public sealed record InstrumentScore(string InstrumentId, double Total, IReadOnlyDictionary<string, double> Subscales, int Answered);

public static class Scores
{
    /// <summary>
    /// Scores and changes rounded to 1e-9: a prorated 31 * 8 / 7 and the same score reached another
    /// way are then one value, so equal scores always count as equal.
    /// </summary>
    public static double Exact(double value) => Math.Round(value, 9, MidpointRounding.AwayFromZero);
}

public static class Scoring
{
    /// <summary>
    /// Scores answers already checked against the definition (every value in range, no unknown items).
    /// Returns null when more items are skipped than the instrument allows.
    /// </summary>
    public static InstrumentScore? Score(InstrumentDefinition definition, IReadOnlyDictionary<string, int?> answers)
    {
        var total = ScoreItems(definition, definition.Items.Where(i => i.Scored).ToList(), answers, out var answered);
        if (total is null)
            return null;

        var subscales = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var subscale in definition.Scoring.Subscales ?? [])
        {
            var items = definition.Items.Where(i => i.Subscale == subscale).ToList();
            // A subscale is prorated in proportion to its own items; with none answered it has no score.
            if (ScoreItems(definition, items, answers, out _, allowedMissing: items.Count - 1) is { } value)
                subscales[subscale] = value;
        }
        return new InstrumentScore(definition.Id, total.Value, subscales, answered);
    }

    /// <summary>Scored items left unanswered; filler items never count against prorating.</summary>
    public static int MissingCount(InstrumentDefinition definition, IReadOnlyDictionary<string, int?> answers) =>
        definition.Items.Count(i => i.Scored && (!answers.TryGetValue(i.Id, out var v) || v is null));

    private static double? ScoreItems(
        InstrumentDefinition definition,
        IReadOnlyList<InstrumentItem> items,
        IReadOnlyDictionary<string, int?> answers,
        out int answered,
        int? allowedMissing = null)
    {
        long sum = 0;
        answered = 0;
        foreach (var item in items)
        {
            if (answers.TryGetValue(item.Id, out var value) && value is { } v)
            {
                sum += item.Keyed(v);
                answered++;
            }
        }
        var n = items.Count;
        if (answered == 0 || n - answered > (allowedMissing ?? definition.Scoring.ProrateMaxMissing))
            return null;
        return Scores.Exact(definition.Scoring.Method switch
        {
            ScoringMethod.Mean => (double)sum / answered,
            _ when answered == n => sum,
            _ => (double)sum * n / answered,
        });
    }
}
