using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using PeerEval.Domain.Instruments;

namespace PeerEval.Domain.Submissions;

/// <summary>
/// Reads a submission body strictly: every unknown, duplicated, mistyped or out-of-range field is
/// reported by its JSON path, all at once, so a form can show each error beside its field.
/// </summary>
public static partial class SubmissionParser
{
    /// <summary>The most questionnaires one form asks: more is too long for anyone to finish.</summary>
    public const int MaxFormInstruments = 5;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    public static partial Regex SubmissionIdPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex CodePattern();

    private static readonly string[] TopLevel = ["submissionId", "participantRef", "occasion", "completedOn", "responses", "stay", "context"];

    /// <param name="participantGiven">
    /// False where the form or invitation, not the body, says who the answers are from: then the body
    /// must not name anyone.
    /// </param>
    public static SubmissionRequest? Parse(JsonElement body, Func<string, InstrumentDefinition?> findInstrument, DateOnly today, ErrorBag errors, bool participantGiven = true)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("$", "The body must be a JSON object.");
            return null;
        }
        var fields = ReadObject(body, "", TopLevel, errors);

        var submissionId = RequiredString(fields, "submissionId", "submissionId", errors);
        if (submissionId is not null && !SubmissionIdPattern().IsMatch(submissionId))
            errors.Add("submissionId", "Use 1-64 letters, digits, '-' or '_', starting with a letter or digit (a UUID works well).");

        string? participantRef = "";
        if (!participantGiven)
        {
            if (fields.TryGetValue("participantRef", out var named) && !(named.ValueKind == JsonValueKind.String && named.GetString()!.Trim().Length == 0))
                errors.Add("participantRef", "Set by the form's invitation, or none for a public form: leave it out.");
        }
        else if ((participantRef = RequiredString(fields, "participantRef", "participantRef", errors)) is not null
            && (participantRef = ParticipantRefs.Normalize(participantRef, out var refProblem)) is null)
            errors.Add("participantRef", refProblem!);

        var occasionName = RequiredString(fields, "occasion", "occasion", errors);
        var occasion = Occasion.Baseline;
        if (occasionName is not null && !OccasionNames.TryParse(occasionName, out occasion))
            errors.Add("occasion", "Must be one of: baseline, followup, discharge.");

        var completedOn = RequiredDate(fields, "completedOn", "completedOn", today, errors, EarliestCompletedOn);
        var responses = ReadResponses(fields, findInstrument, errors);
        var stay = ReadStay(fields, today, errors);
        var context = ReadContext(fields, errors);

        if (errors.IsEmpty && responses.Count == 0 && stay is null)
            errors.Add("responses", "Give at least one questionnaire, or a stay.");

        if (!errors.IsEmpty)
            return null;
        return new SubmissionRequest(submissionId!, participantRef!, occasion, completedOn!.Value, responses, stay, context);
    }

    /// <summary>Reads an invitation request: participantRef, occasion, instruments (default: the given ones), context.</summary>
    public static InvitationRequest? ParseInvitation(JsonElement body, Func<string, InstrumentDefinition?> findInstrument, IReadOnlyList<string> defaultInstruments, ErrorBag errors)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("$", "The body must be a JSON object.");
            return null;
        }
        var fields = ReadObject(body, "", ["participantRef", "occasion", "instruments", "context"], errors);
        var participantRef = RequiredString(fields, "participantRef", "participantRef", errors);
        if (participantRef is not null && (participantRef = ParticipantRefs.Normalize(participantRef, out var refProblem)) is null)
            errors.Add("participantRef", refProblem!);
        var occasionName = RequiredString(fields, "occasion", "occasion", errors);
        var occasion = Occasion.Baseline;
        if (occasionName is not null && !OccasionNames.TryParse(occasionName, out occasion))
            errors.Add("occasion", "Must be one of: baseline, followup, discharge.");

        var instruments = defaultInstruments.ToList();
        if (fields.TryGetValue("instruments", out var list))
        {
            instruments = list.ValueKind == JsonValueKind.Array && list.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
                ? list.EnumerateArray().Select(e => e.GetString()!).ToList()
                : [];
            if (instruments.Count is 0 or > MaxFormInstruments || instruments.Distinct(StringComparer.Ordinal).Count() != instruments.Count)
                errors.Add("instruments", "Name one to five different instrument ids.");
            for (var i = 0; i < instruments.Count; i++)
                if (findInstrument(instruments[i]) is null)
                    errors.Add($"instruments[{i}]", $"Unknown instrument '{Printable(instruments[i])}'.");
            if (MixedRespondent(instruments.Select(findInstrument).OfType<InstrumentDefinition>().ToList()) is { } mixed)
                errors.Add("instruments", mixed);
        }
        var context = ReadContext(fields, errors);
        return errors.IsEmpty ? new InvitationRequest(participantRef!, occasion, instruments, context) : null;
    }

    /// <summary>One submission is one person's answers, so its questionnaires are all for one respondent group.</summary>
    public static string? MixedRespondent(IReadOnlyList<InstrumentDefinition> instruments) =>
        instruments.Select(i => i.Respondent).Distinct().Count() > 1
            ? "Questionnaires for different respondents (" + string.Join(", ", instruments.Select(i => $"'{i.Id}' for {i.Respondent.ToName()}")) +
              ") cannot be answered together: send each group's answers on their own."
            : null;

    private static List<InstrumentResponse> ReadResponses(Dictionary<string, JsonElement> fields, Func<string, InstrumentDefinition?> findInstrument, ErrorBag errors)
    {
        var responses = new List<InstrumentResponse>();
        if (!fields.TryGetValue("responses", out var array))
        {
            if (!fields.ContainsKey("stay"))
                errors.Add("responses", "Required.");
            return responses;
        }
        if (array.ValueKind != JsonValueKind.Array)
        {
            errors.Add("responses", "Must be an array.");
            return responses;
        }
        if (array.GetArrayLength() > 20)
        {
            errors.Add("responses", "At most 20 questionnaires in one submission.");
            return responses;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            var path = $"responses[{index++}]";
            if (element.ValueKind != JsonValueKind.Object)
            {
                errors.Add(path, "Must be an object.");
                continue;
            }
            var response = ReadObject(element, path + ".", ["instrument", "answers"], errors);
            var instrumentId = RequiredString(response, "instrument", $"{path}.instrument", errors);
            InstrumentDefinition? instrument = null;
            if (instrumentId is not null)
            {
                instrument = findInstrument(instrumentId);
                if (instrument is null)
                    errors.Add($"{path}.instrument", $"Unknown instrument '{Printable(instrumentId)}'.");
                else if (!seen.Add(instrumentId))
                    errors.Add($"{path}.instrument", $"Instrument '{instrumentId}' appears more than once in this submission.");
            }
            if (!response.TryGetValue("answers", out var answersElement))
            {
                errors.Add($"{path}.answers", "Required.");
                continue;
            }
            if (answersElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"{path}.answers", "Must be an object of item id to whole number or null.");
                continue;
            }
            if (instrument is null)
                continue;

            var answers = ReadAnswers(instrument, answersElement, $"{path}.answers", errors);
            if (answers is null)
                continue;
            var missing = Scoring.MissingCount(instrument, answers);
            if (missing > instrument.Scoring.ProrateMaxMissing)
                errors.Add($"{path}.answers",
                    $"{missing} items of '{instrument.Id}' were skipped; at most {instrument.Scoring.ProrateMaxMissing} may be.");
            else
                responses.Add(new InstrumentResponse(instrument, answers));
        }
        if (MixedRespondent(responses.Select(r => r.Instrument).ToList()) is { } mixed)
            errors.Add("responses", mixed);
        return responses;
    }

    private static Dictionary<string, int?>? ReadAnswers(InstrumentDefinition instrument, JsonElement answersElement, string path, ErrorBag errors)
    {
        var answers = new Dictionary<string, int?>(StringComparer.Ordinal);
        var ok = true;
        foreach (var property in answersElement.EnumerateObject())
        {
            var itemPath = $"{path}.{PathSegment(property.Name)}";
            var item = instrument.FindItem(property.Name);
            if (item is null)
            {
                errors.Add(itemPath, $"'{instrument.Id}' has no item '{Printable(property.Name)}'.");
                ok = false;
                continue;
            }
            if (answers.ContainsKey(item.Id))
            {
                errors.Add(itemPath, "Answered more than once.");
                ok = false;
                continue;
            }
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.Null:
                    answers[item.Id] = null;
                    break;
                case JsonValueKind.Number when property.Value.TryGetInt32(out var value) && value >= item.Min && value <= item.Max:
                    answers[item.Id] = value;
                    break;
                default:
                    errors.Add(itemPath, $"Must be a whole number from {item.Min} to {item.Max}, or null if skipped.");
                    ok = false;
                    break;
            }
        }
        return ok ? answers : null;
    }

    private static Stay? ReadStay(Dictionary<string, JsonElement> fields, DateOnly today, ErrorBag errors)
    {
        if (!fields.TryGetValue("stay", out var element) || element.ValueKind == JsonValueKind.Null)
            return null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add("stay", "Must be an object with admittedOn and, once discharged, dischargedOn.");
            return null;
        }
        var stay = ReadObject(element, "stay.", ["admittedOn", "dischargedOn"], errors);
        var admitted = RequiredDate(stay, "admittedOn", "stay.admittedOn", today, errors);
        DateOnly? discharged = null;
        if (stay.TryGetValue("dischargedOn", out var dischargedElement) && dischargedElement.ValueKind != JsonValueKind.Null)
            discharged = RequiredDate(stay, "dischargedOn", "stay.dischargedOn", today, errors);
        if (admitted is { } a && discharged is { } d && d < a)
            errors.Add("stay.dischargedOn", "Cannot be before admittedOn.");
        return admitted is null ? null : new Stay(admitted.Value, discharged);
    }

    private static SupportContext? ReadContext(Dictionary<string, JsonElement> fields, ErrorBag errors)
    {
        if (!fields.TryGetValue("context", out var element) || element.ValueKind == JsonValueKind.Null)
            return null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add("context", "Must be an object with any of team, setting and peerWorker.");
            return null;
        }
        var context = ReadObject(element, "context.", ["team", "setting", "peerWorker"], errors);
        string? Code(string name)
        {
            if (!context.ContainsKey(name) || context[name].ValueKind == JsonValueKind.Null)
                return null;
            var code = RequiredString(context, name, $"context.{name}", errors);
            if (code is not null && !CodePattern().IsMatch(code))
                errors.Add($"context.{name}", "Use the service's own code: 1-64 lower-case letters, digits or hyphens (never a name).");
            return code;
        }
        var setting = context.ContainsKey("setting") && context["setting"].ValueKind != JsonValueKind.Null
            ? RequiredString(context, "setting", "context.setting", errors) : null;
        if (setting is not null && !SupportContext.Settings.Contains(setting))
            errors.Add("context.setting", $"Must be one of: {string.Join(", ", SupportContext.Settings)}.");
        return new SupportContext(Code("team"), setting, Code("peerWorker"));
    }

    /// <summary>Collects an object's properties, reporting unknown and duplicated names.</summary>
    private static Dictionary<string, JsonElement> ReadObject(JsonElement element, string prefix, string[] known, ErrorBag errors)
    {
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            var path = prefix + PathSegment(property.Name);
            if (!known.Contains(property.Name, StringComparer.Ordinal))
                errors.Add(path, "Unknown property.");
            else if (!fields.TryAdd(property.Name, property.Value))
                errors.Add(path, "Given more than once.");
        }
        return fields;
    }

    private static string? RequiredString(Dictionary<string, JsonElement> fields, string name, string path, ErrorBag errors)
    {
        if (!fields.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            errors.Add(path, "Required.");
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(path, "Must be a string.");
            return null;
        }
        return value.GetString();
    }

    /// <summary>Questionnaires are from this century; stays may have begun long before.</summary>
    private static readonly DateOnly EarliestCompletedOn = new(2000, 1, 1);
    private static readonly DateOnly EarliestDate = new(1950, 1, 1);

    private static DateOnly? RequiredDate(Dictionary<string, JsonElement> fields, string name, string path, DateOnly today, ErrorBag errors, DateOnly? earliest = null)
    {
        var text = RequiredString(fields, name, path, errors);
        if (text is null)
            return null;
        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            errors.Add(path, "Must be a date written YYYY-MM-DD.");
            return null;
        }
        // One day of grace: a form completed late in the evening somewhere east of UTC is not from the future.
        if (date > today.AddDays(1))
        {
            errors.Add(path, "Cannot be in the future.");
            return null;
        }
        earliest ??= EarliestDate;
        if (date < earliest)
        {
            errors.Add(path, $"Must be {earliest:yyyy-MM-dd} or later.");
            return null;
        }
        return date;
    }

    /// <summary>Keeps error paths readable and free of control characters when a name is hostile.</summary>
    private static string PathSegment(string name) =>
        Regex.IsMatch(name, "^[A-Za-z_][A-Za-z0-9_-]{0,63}$") ? name : $"['{Printable(name)}']";

    private static string Printable(string text)
    {
        var clean = new string(text.Select(c => char.IsControl(c) || char.IsSurrogate(c) ? '?' : c).Take(64).ToArray());
        return text.Length > 64 ? clean + "…" : clean;
    }
}
