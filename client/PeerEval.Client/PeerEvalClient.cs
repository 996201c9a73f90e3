using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using PeerEval.Contracts;

namespace PeerEval.Client;

/// <summary>An answer other than success, with the problem details the API sent.</summary>
public sealed class PeerEvalProblemException(HttpStatusCode status, string? title, IReadOnlyDictionary<string, string[]> errors)
    : Exception($"{(int)status} {title}")
{
    public HttpStatusCode Status => status;
    public string? Title => title;

    /// <summary>Validation messages by JSON path of the field, for example "responses[0].answers.h3".</summary>
    public IReadOnlyDictionary<string, string[]> Errors => errors;
}

/// <summary>A typed client for the PeerEval API; register it with <c>AddPeerEvalClient</c>.</summary>
public sealed class PeerEvalClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = ContractJson.Options;

    public async Task<SubmissionReceipt> SubmitAsync(string serviceId, SubmissionBody body, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsJsonAsync($"api/services/{Uri.EscapeDataString(serviceId)}/submissions", body, Json, cancellationToken);
        return await ReadAsync<SubmissionReceipt>(response, cancellationToken);
    }

    public async Task<SubmissionReceipt> GetSubmissionAsync(string serviceId, string submissionId, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync($"api/services/{Uri.EscapeDataString(serviceId)}/submissions/{Uri.EscapeDataString(submissionId)}", cancellationToken);
        return await ReadAsync<SubmissionReceipt>(response, cancellationToken);
    }

    /// <summary>A service's report; with no query, the last 12 months.</summary>
    public async Task<Report> GetReportAsync(string serviceId, ReportQuery? query = null, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync(ReportPath(serviceId, query), cancellationToken);
        return await ReadAsync<Report>(response, cancellationToken);
    }

    public async Task<string> GetReportCsvAsync(string serviceId, ReportQuery? query = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, ReportPath(serviceId, query));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        using var response = await http.SendAsync(request, cancellationToken);
        await ThrowIfProblemAsync(response, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>The pooled figures of the services that share with the network (a network key); with no query, the last 12 months.</summary>
    public async Task<Report> GetNetworkReportAsync(ReportQuery? query = null, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync(WithQuery("api/network/report", query), cancellationToken);
        return await ReadAsync<Report>(response, cancellationToken);
    }

    /// <summary>The peer roles of the services that share with the network, with totals (a network key).</summary>
    public async Task<PeerRoleRegistry> GetPeerRolesAsync(CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync("api/network/peer-roles", cancellationToken);
        return await ReadAsync<PeerRoleRegistry>(response, cancellationToken);
    }

    private static string ReportPath(string serviceId, ReportQuery? query) => WithQuery($"api/reports/{Uri.EscapeDataString(serviceId)}", query);

    private static string WithQuery(string path, ReportQuery? query)
    {
        var parameters = new[] { ("granularity", query?.Granularity), ("from", query?.From), ("to", query?.To), ("by", query?.By) }
            .Where(p => p.Item2 is not null)
            .Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}");
        return $"{path}?{string.Join('&', parameters)}";
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await ThrowIfProblemAsync(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken))!;
    }

    private static async Task ThrowIfProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
            return;
        string? title = null;
        var errors = new Dictionary<string, string[]>();
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            title = problem.TryGetProperty("title", out var t) ? t.GetString() : null;
            if (problem.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object)
                foreach (var field in e.EnumerateObject())
                    errors[field.Name] = field.Value.EnumerateArray().Select(m => m.GetString() ?? "").ToArray();
        }
        throw new PeerEvalProblemException(response.StatusCode, title ?? response.ReasonPhrase, errors);
    }
}

/// <summary>
/// Which report to fetch: granularity "month", "quarter" or "year", and a range in that granularity
/// (2026-03, 2026-Q1, 2026); anything left null takes the API's default.
/// </summary>
/// <param name="By">A breakdown: "team", "setting" or "peerWorker" fills the report's Groups.</param>
public sealed record ReportQuery(string? Granularity = null, string? From = null, string? To = null, string? By = null)
{
    public static ReportQuery Months(string from, string to) => new("month", from, to);

    public static ReportQuery Quarters(string from, string to) => new("quarter", from, to);

    public static ReportQuery Years(string from, string to) => new("year", from, to);
}
