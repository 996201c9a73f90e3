using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using PeerEval.Domain;
using PeerEval.Domain.Instruments;

namespace PeerEval.Functions.Fhir;

/// <summary>
/// A QuestionnaireResponse as the JSON submission body it stands for, with the FHIR element each field
/// of that body came from, so that the intake's errors (named by JSON path) can name the element instead.
/// </summary>
public sealed class MappedResponse(JsonElement body, IReadOnlyDictionary<string, string> sources)
{
    public JsonElement Body => body;

    /// <summary>Errors by JSON path, renamed to the element the nearest mapped field came from (else the resource).</summary>
    public ErrorBag Translate(ErrorBag errors)
    {
        var translated = new ErrorBag();
        foreach (var (path, messages) in errors.ToDictionary())
            foreach (var message in messages)
                translated.Add(SourceOf(path), message);
        return translated;
    }

    private string SourceOf(string path)
    {
        for (var p = path; p.Length > 0; p = p[..Math.Max(0, Math.Max(p.LastIndexOf('.'), p.LastIndexOf('[')))])
            if (sources.TryGetValue(p, out var element))
                return element;
        return QuestionnaireResponseMapping.Root;
    }
}

/// <summary>
/// Reads a QuestionnaireResponse into a submission body, checking it against the Questionnaire it names:
/// its version, its linkIds and each item's answer options. What the JSON body's rules already check
/// (id and reference formats, occasion names, dates, codes, skipped items) is left to the intake, so
/// both routes keep one set of rules.
/// </summary>
public static class QuestionnaireResponseMapping
{
    public const string Root = "QuestionnaireResponse";
    public const string Occasion = "occasion";
    public const string Stay = "stay";
    public const string Context = "context";
    private static readonly string[] ContextParts = ["team", "setting", "peerWorker"];

    /// <summary>
    /// The elements taken, by the type that holds them. Any other is refused rather than silently
    /// dropped (a modifierExtension above all: it may change what the answers mean). Types not listed are not looked into.
    /// </summary>
    private static readonly Dictionary<Type, string[]> Taken = new()
    {
        [typeof(QuestionnaireResponse)] = ["id", "meta", "text", "language", "extension", "identifier", "questionnaire", "status", "subject", "authored", "item"],
        [typeof(QuestionnaireResponse.ItemComponent)] = ["linkId", "text", "answer"],
        [typeof(QuestionnaireResponse.AnswerComponent)] = ["value"],
        [typeof(ResourceReference)] = ["identifier"],
        [typeof(Identifier)] = ["system", "value"],
        [typeof(Extension)] = ["url", "value", "extension"],
    };

    /// <summary>The submission body, or null with the errors (by element path) added.</summary>
    public static MappedResponse? Map(QuestionnaireResponse response, IReadOnlyDictionary<string, InstrumentDefinition> instruments, FhirBase fhirBase, ErrorBag errors)
    {
        RefuseUntaken(response, Root, errors);
        var body = new JsonObject();
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        void Set(string field, JsonNode? value, string element)
        {
            body[field] = value;
            sources[field] = element;
        }

        if (response.Status != QuestionnaireResponse.QuestionnaireResponseStatus.Completed)
            errors.Add($"{Root}.status", "Only a completed response is taken.");
        if (response.Identifier?.Value is { } submissionId)
            Set("submissionId", submissionId, $"{Root}.identifier.value");
        else
            errors.Add($"{Root}.identifier.value", "Required: the submission's own id, which makes a retry safe (a UUID works well).");
        if (response.Subject?.Identifier?.Value is { } participantRef)
            Set("participantRef", participantRef, $"{Root}.subject.identifier.value");
        else
            errors.Add(response.Subject is null ? $"{Root}.subject" : $"{Root}.subject.identifier.value",
                "Required: the service's own reference for the person, as subject.identifier.value.");
        if (response.AuthoredElement?.Value is { } authored)
            Set("completedOn", DateOf(authored), $"{Root}.authored");
        else
            errors.Add($"{Root}.authored", "Required: when the questionnaire was completed.");

        ReadExtensions(response.Extension, fhirBase, body, Set, sources, errors);
        if (!response.Extension.Any(e => FhirBase.ExtensionNameOf(e.Url) == Occasion))
            errors.Add($"{Root}.extension", $"Required: the occasion, as the extension {fhirBase.Extension(Occasion)} (valueCode baseline, followup or discharge).");

        if (ReadQuestionnaire(response.Questionnaire, instruments, fhirBase, errors) is { } instrument)
        {
            var answers = ReadItems(response.Item, instrument, fhirBase, sources, errors);
            Set("responses", new JsonArray(new JsonObject { ["instrument"] = instrument.Id, ["answers"] = answers }), $"{Root}.item");
            sources["responses[0].instrument"] = $"{Root}.questionnaire";
        }
        return errors.IsEmpty ? new MappedResponse(JsonSerializer.SerializeToElement(body), sources) : null;
    }

    private static InstrumentDefinition? ReadQuestionnaire(string? canonical, IReadOnlyDictionary<string, InstrumentDefinition> instruments, FhirBase fhirBase, ErrorBag errors)
    {
        const string path = $"{Root}.questionnaire";
        if (canonical is null)
        {
            errors.Add(path, "Required: the Questionnaire's url and version, as <url>|<version>.");
            return null;
        }
        var bar = canonical.IndexOf('|');
        if (FhirBase.InstrumentIdOf(bar < 0 ? canonical : canonical[..bar]) is not { } id || !instruments.TryGetValue(id, out var instrument))
        {
            errors.Add(path, $"Not one of the Questionnaires at {fhirBase.Questionnaires}.");
            return null;
        }
        var version = instrument.Version.ToString(CultureInfo.InvariantCulture);
        if (bar < 0 || canonical[(bar + 1)..] != version)
        {
            errors.Add(path, $"'{id}' is at version {version}: answer that version, as {fhirBase.Questionnaire(id)}|{version}.");
            return null;
        }
        return instrument;
    }

    /// <summary>
    /// Each item against the Questionnaire's: a known linkId, once, with at most one answer from its
    /// options. An item left out or sent without an answer was skipped: null, as the JSON body says it,
    /// so both routes store the same answers.
    /// </summary>
    private static JsonObject ReadItems(
        List<QuestionnaireResponse.ItemComponent> items, InstrumentDefinition instrument, FhirBase fhirBase, Dictionary<string, string> sources, ErrorBag errors)
    {
        var questionnaire = FhirQuestionnaires.ToQuestionnaire(instrument, fhirBase);
        var answers = new JsonObject(instrument.Items.Select(i => KeyValuePair.Create(i.Id, (JsonNode?)null)));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var k = 0; k < items.Count; k++)
        {
            var path = $"{Root}.item[{k}]";
            if (questionnaire.Item.FirstOrDefault(q => q.LinkId == items[k].LinkId) is not { LinkId: { } linkId } question)
            {
                errors.Add($"{path}.linkId", $"Not an item of Questionnaire '{instrument.Id}' version {instrument.Version}.");
                continue;
            }
            if (!seen.Add(linkId))
            {
                errors.Add($"{path}.linkId", "Answered more than once.");
                continue;
            }
            sources[$"responses[0].answers.{linkId}"] = $"{path}.answer";
            var given = items[k].Answer;
            if (given.Count > 1)
            {
                errors.Add($"{path}.answer", "One answer per item.");
                continue;
            }
            if (given.Count == 0)
                continue;
            var options = question.AnswerOption.Select(o => (Coding)o.Value).ToList();
            if (given[0].Value is Coding { Code: { } code } chosen && options.Any(o => o.Code == code && FhirBase.SameSystem(o.System, chosen.System)))
                answers[linkId] = int.Parse(code, CultureInfo.InvariantCulture);
            else
                errors.Add($"{path}.answer[0].value", $"Must be one of the item's answer options: a valueCoding of {options[0].System}, code {options[0].Code} to {options[^1].Code}.");
        }
        return answers;
    }

    private static void ReadExtensions(
        List<Extension> extensions, FhirBase fhirBase, JsonObject body, Action<string, JsonNode?, string> set, Dictionary<string, string> sources, ErrorBag errors)
    {
        for (var i = 0; i < extensions.Count; i++)
        {
            var extension = extensions[i];
            var path = $"{Root}.extension[{i}]";
            if (FhirBase.ExtensionNameOf(extension.Url) is not { } name || name is not (Occasion or Stay or Context))
            {
                errors.Add($"{path}.url", $"Not an extension PeerEval takes: those are {fhirBase.Extension(Occasion)}, {fhirBase.Extension(Stay)} and {fhirBase.Extension(Context)}.");
                continue;
            }
            if (body.ContainsKey(name))
            {
                errors.Add(path, "Given more than once.");
                continue;
            }
            switch (name, extension.Value)
            {
                case (Occasion, Code code) when extension.Extension.Count == 0:
                    set(Occasion, code.Value, $"{path}.value");
                    break;
                case (Stay, Period period) when extension.Extension.Count == 0:
                    set(Stay, new JsonObject { ["admittedOn"] = DateOf(period.Start), ["dischargedOn"] = DateOf(period.End) }, $"{path}.value");
                    sources["stay.admittedOn"] = $"{path}.value.start";
                    sources["stay.dischargedOn"] = $"{path}.value.end";
                    break;
                case (Context, null):
                    set(Context, ReadContext(extension.Extension, path, sources, errors), path);
                    break;
                default:
                    errors.Add($"{path}.value", name switch
                    {
                        Occasion => "Must be a valueCode (baseline, followup or discharge) and nothing else.",
                        Stay => "Must be a valuePeriod (start: admitted; end: discharged, absent while the stay is open) and nothing else.",
                        _ => "Give team, setting and peerWorker as sub-extensions, each a valueCode; the context has no value of its own.",
                    });
                    break;
            }
        }
    }

    private static JsonObject ReadContext(List<Extension> parts, string path, Dictionary<string, string> sources, ErrorBag errors)
    {
        var context = new JsonObject();
        for (var j = 0; j < parts.Count; j++)
        {
            var part = parts[j];
            var partPath = $"{path}.extension[{j}]";
            if (part.Url is not { } field || !ContextParts.Contains(field, StringComparer.Ordinal))
                errors.Add($"{partPath}.url", "Use team, setting or peerWorker.");
            else if (context.ContainsKey(field))
                errors.Add(partPath, "Given more than once.");
            else if (part.Value is not Code code || part.Extension.Count > 0)
                errors.Add($"{partPath}.value", $"Must be a valueCode: the service's own code, or for setting one of {string.Join(", ", Domain.Submissions.SupportContext.Settings)}.");
            else
            {
                context[field] = code.Value;
                sources[$"context.{field}"] = $"{partPath}.value";
            }
        }
        return context;
    }

    /// <summary>The day as the author wrote it (in their own time zone): a dateTime's date part. Anything shorter goes on as given, for the intake to refuse.</summary>
    private static string? DateOf(string? dateTime) => dateTime is { Length: > 10 } ? dateTime[..10] : dateTime;

    private static void RefuseUntaken(Base element, string path, ErrorBag errors)
    {
        if (!Taken.TryGetValue(element.GetType(), out var taken))
            return;
        foreach (var (name, value) in element.EnumerateElements())
        {
            var childPath = $"{path}.{name}";
            if (!taken.Contains(name, StringComparer.Ordinal))
                errors.Add(childPath, "PeerEval does not take this element: leave it out.");
            else if (value is Base child)
                RefuseUntaken(child, childPath, errors);
            else if (value is IEnumerable<Base> list)
                foreach (var (item, index) in list.Select((item, index) => (item, index)))
                    RefuseUntaken(item, $"{childPath}[{index}]", errors);
        }
    }
}
