namespace PeerEval.Functions.Fhir;

/// <summary>
/// The URLs the FHIR resources name, under a base taken from the request (scheme and host): the
/// Questionnaire canonicals, their answer code systems and PeerEval's extensions. URLs a client sends
/// back are matched by path alone: one deployment answers under several host names (its own and a
/// custom domain), and an instrument is known by its id and version, not by the host it was read from.
/// </summary>
public sealed record FhirBase(string Url)
{
    public const string QuestionnairePath = "/api/fhir/Questionnaire";
    private const string ExtensionPath = "/fhir/StructureDefinition/";
    private const string CodeSystemPath = "/fhir/CodeSystem/";

    /// <summary>
    /// The scheme and host the caller used. The Functions host forwards each request to the worker's own
    /// address and names the original in X-Forwarded-Proto and X-Forwarded-Host. A forged header changes
    /// only the URLs in the forger's own answer: what is sent back is matched by path.
    /// </summary>
    public static FhirBase Of(HttpRequest request)
    {
        var scheme = FirstOf(request.Headers["X-Forwarded-Proto"]) ?? request.Scheme;
        var host = FirstOf(request.Headers["X-Forwarded-Host"]) ?? request.Host.Value;
        return Uri.TryCreate($"{scheme}://{host}", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.PathAndQuery == "/"
            ? new(uri.GetLeftPart(UriPartial.Authority))
            : new($"{request.Scheme}://{request.Host}");
    }

    private static string? FirstOf(Microsoft.Extensions.Primitives.StringValues values) =>
        values.Count > 0 && values[0]?.Split(',')[0].Trim() is { Length: > 0 } first ? first : null;

    public string Questionnaires => Url + QuestionnairePath;

    public string Questionnaire(string instrumentId) => $"{Questionnaires}/{instrumentId}";

    /// <summary>Answer codes are the points of an item's scale ("1".."5"); their meaning (the labels) is the instrument's.</summary>
    public string AnswerSystem(string instrumentId) => Url + CodeSystemPath + instrumentId;

    public string Extension(string name) => Url + ExtensionPath + name;

    /// <summary>The instrument id a Questionnaire canonical (without its |version) names, whatever its host; null for any other URL.</summary>
    public static string? InstrumentIdOf(string url) =>
        PathOf(url) is { } path && path.StartsWith(QuestionnairePath + "/", StringComparison.Ordinal) && path.Count(c => c == '/') == 4
            ? path[(QuestionnairePath.Length + 1)..]
            : null;

    /// <summary>The name of one of PeerEval's extensions, whatever its host; null for any other URL.</summary>
    public static string? ExtensionNameOf(string? url) =>
        PathOf(url) is { } path && path.StartsWith(ExtensionPath, StringComparison.Ordinal) ? path[ExtensionPath.Length..] : null;

    /// <summary>Whether two code systems are the same one, hosts aside.</summary>
    public static bool SameSystem(string? a, string? b) => PathOf(a) is { } path && path == PathOf(b);

    private static string? PathOf(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Query.Length == 0 && uri.Fragment.Length == 0
            ? uri.AbsolutePath
            : null;
}
