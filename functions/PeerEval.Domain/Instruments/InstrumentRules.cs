using System.Text.RegularExpressions;

namespace PeerEval.Domain.Instruments;

/// <summary>Checks that a definition (built in or added by a service) is internally consistent.</summary>
public static partial class InstrumentRules
{
    /// <summary>The contract's bound on item values: far from overflow, and small enough that no definition can make a page or a histogram explode.</summary>
    public const int MaxItemValue = 1000;

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,62}$")]
    public static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,32}$")]
    private static partial Regex ItemIdPattern();

    public static ErrorBag Validate(InstrumentDefinition definition)
    {
        var errors = new ErrorBag();
        if (!IdPattern().IsMatch(definition.Id ?? ""))
            errors.Add("id", "Use 2-63 lowercase letters, digits or hyphens.");
        if (definition.Version < 1)
            errors.Add("version", "Must be 1 or more.");
        if (string.IsNullOrWhiteSpace(definition.Title) || definition.Title.Length > 200)
            errors.Add("title", "Give a title of 1-200 characters.");
        var items = definition.Items ?? [];
        if (items.Count is 0 or > 100)
            errors.Add("items", "Give between 1 and 100 items.");

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var subscales = definition.Scoring?.Subscales ?? [];
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var path = $"items[{i}]";
            if (item is null) { errors.Add(path, "An item is required."); continue; }
            if (!ItemIdPattern().IsMatch(item.Id ?? ""))
                errors.Add($"{path}.id", "Use 1-32 letters, digits, '_' or '-'.");
            else if (!seen.Add(item.Id!))
                errors.Add($"{path}.id", $"Item id '{item.Id}' appears twice.");
            if (string.IsNullOrWhiteSpace(item.Text) || item.Text.Length > 500)
                errors.Add($"{path}.text", "Give item text of 1-500 characters.");
            if (item.Min < -MaxItemValue)
                errors.Add($"{path}.min", $"Must be at least -{MaxItemValue}.");
            if (item.Max > MaxItemValue)
                errors.Add($"{path}.max", $"Must be at most {MaxItemValue}.");
            if (item.Min >= item.Max)
                errors.Add($"{path}.max", "Must be greater than min.");
            // In long: two ints far apart overflow an int difference and would pass.
            if ((long)item.Max - item.Min > 100)
                errors.Add($"{path}.max", "An item's range may span at most 100 points.");
            if (item.Count && item.Min < 0)
                errors.Add($"{path}.min", "A count starts at 0 or more.");
            if (item.Subscale is not null && !subscales.Contains(item.Subscale))
                errors.Add($"{path}.subscale", $"Subscale '{item.Subscale}' is not listed in scoring.subscales.");
        }

        var scored = items.Count(i => i is { Scored: true });
        if (items.Count > 0 && scored == 0)
            errors.Add("items", "At least one item must be scored.");
        if (definition.Scoring is null)
            errors.Add("scoring", "Scoring is required.");
        // Counted over scored items, so a score always rests on at least one answer (fillers never count).
        else if (definition.Scoring.ProrateMaxMissing < 0 || (scored > 0 && definition.Scoring.ProrateMaxMissing >= scored))
            errors.Add("scoring.prorateMaxMissing", "Must be between 0 and the number of scored items less one.");

        if (definition.AnswerLabels is { } labels && (labels.Count > 101 || labels.Any(l => string.IsNullOrWhiteSpace(l) || l.Length > 60)))
            errors.Add("answerLabels", "Give one short label (at most 60 characters) per point of the scale.");

        if (definition.ReliableChange is { } rc)
        {
            if (!(rc.Sd > 0) || double.IsInfinity(rc.Sd))
                errors.Add("reliableChange.sd", "Must be a positive number.");
            if (!(rc.Reliability > 0 && rc.Reliability < 1))
                errors.Add("reliableChange.reliability", "Must be between 0 and 1, exclusive.");
        }

        return errors;
    }
}
