using System.Net.Http.Headers;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.Middleware;
using PeerEval.Contracts;
using PeerEval.Domain.Aggregation;
using PeerEval.Functions.Auth;
using PeerEval.Functions.Forms;
using PeerEval.Functions.Hosting;
using PeerEval.Functions.Instruments;
using PeerEval.Functions.Reports;
using PeerEval.Functions.Services;

namespace PeerEval.Functions.Dashboard;

public static class DashboardModule
{
    public static FunctionsApplicationBuilder AddDashboard(this FunctionsApplicationBuilder builder)
    {
        // Outside the conventions and authorization, so that whatever refuses an evaluator's browser, it meets a page.
        builder.UseMiddleware<DashboardPages>();
        return builder;
    }
}

/// <summary>
/// The evaluator's dashboard: the report a key may read, drawn and tabled, built by the same
/// <see cref="ReportSource"/> call as the report API, so it shows exactly what the report shows.
/// </summary>
public sealed class DashboardFunctions(ReportSource source, ServiceDirectory services, InstrumentCatalog catalog, ApiKeyStore keys, DashboardSessions sessions)
{
    private const int MaxKeyLength = 300;

    [Function("Dashboard")]
    [Authorize(Policy = KeyPolicies.Report)]
    [ProducesResponseType<string>(200, "text/html")]
    [ProducesResponseType(400)]
    [ProducesResponseType(404)]
    [QueryParameter("granularity", "As for the report: month (default), quarter or year.")]
    [QueryParameter("from", "As for the report: the first period.")]
    [QueryParameter("to", "As for the report: the last period.")]
    [QueryParameter("by", "As for the report: team, setting or peerWorker adds a section per value.")]
    public async Task<IResult> ShowAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/{serviceId}")] HttpRequest request, string serviceId)
    {
        var ct = request.HttpContext.RequestAborted;
        var loaded = await source.LoadAsync(request, serviceId, ct);
        if (loaded.Report is not { } report)
            return loaded.Refusal!;
        var name = (await services.FindAsync(serviceId, ct))?.Name ?? serviceId;
        var nonce = HtmlPages.NewNonce();
        return DashboardPage.Respond(request.HttpContext, nonce,
            DashboardPage.Render(name, report, await PlotsAsync(report, ct), report.Groups is null ? null : request.Query["by"].ToString(), nonce));
    }

    [Function("DashboardFiguresCsv")]
    [Authorize(Policy = KeyPolicies.Report)]
    [ProducesResponseType<string>(200, "text/csv")]
    [ProducesResponseType(400)]
    [ProducesResponseType(404)]
    public async Task<IResult> CsvAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/{serviceId}/figures.csv")] HttpRequest request, string serviceId)
    {
        var loaded = await source.LoadAsync(request, serviceId, request.HttpContext.RequestAborted);
        if (loaded.Report is not { } report)
            return loaded.Refusal!;
        Attachment(request, $"{serviceId}-{report.Granularity}-{report.From}-{report.To}.csv");
        return ReportCsv.Respond(report);
    }

    [Function("DashboardPlotSvg")]
    [Authorize(Policy = KeyPolicies.Report)]
    [ProducesResponseType<string>(200, "image/svg+xml")]
    [ProducesResponseType(400)]
    [ProducesResponseType(404)]
    [QueryParameter("plot", "The plot's id, as the page's download link names it.")]
    public async Task<IResult> SvgAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/{serviceId}/plot.svg")] HttpRequest request, string serviceId)
    {
        var ct = request.HttpContext.RequestAborted;
        var loaded = await source.LoadAsync(request, serviceId, ct);
        if (loaded.Report is not { } report)
            return loaded.Refusal!;
        if ((await PlotsAsync(report, ct)).FirstOrDefault(p => p.Id == request.Query["plot"]) is not { } plot)
            return TypedResults.Problem(statusCode: 404, title: "No such plot in this report.", detail: "Take the plot's link from the dashboard page.");
        Attachment(request, $"{serviceId}-{plot.Id}-{report.From}-{report.To}.svg");
        request.HttpContext.Response.Headers.ContentSecurityPolicy = "default-src 'none'";
        return TypedResults.Text(DashboardPlots.Standalone(plot), "image/svg+xml; charset=utf-8");
    }

    /// <summary>Exchanges a report key, posted once from the sign-in form, for a session cookie; the page never carries the key.</summary>
    [Function("DashboardSignIn")]
    [Consumes("application/x-www-form-urlencoded")]
    [ProducesResponseType(303)]
    [ProducesResponseType(401)]
    [ProducesResponseType(403)]
    [ProducesResponseType(413)]
    [ProducesResponseType(415)]
    public async Task<IResult> SignInAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "dashboard/{serviceId}/session")] HttpRequest request, string serviceId)
    {
        var ct = request.HttpContext.RequestAborted;
        // Only the dashboard's own page may sign someone in, so no other site can sign a browser in with a key of its choosing.
        if (request.Headers.Origin.ToString() is { Length: > 0 } origin && !OriginPolicy.IsOwnOrigin(request, origin))
            return TypedResults.Problem(statusCode: 403, title: "Sign in from the dashboard's own page.");
        if (!request.HasFormContentType)
            return TypedResults.Problem(statusCode: 415, title: "The sign-in form posts as application/x-www-form-urlencoded.");
        if (await JsonBody.ReadBoundedAsync(request, ct) is not { } posted)
            return TypedResults.Problem(statusCode: 413, title: $"The body is larger than {JsonBody.MaxBytes / 1024} KiB.");
        var raw = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(System.Text.Encoding.UTF8.GetString(posted)).GetValueOrDefault("key").ToString().Trim();
        var key = raw.Length is > 0 and <= MaxKeyLength && !raw.StartsWith(FormTokens.Prefix, StringComparison.Ordinal)
            ? await keys.FindAsync(raw, ct)
            : null;
        if (key is not { Revoked: false })
            return TypedResults.Problem(statusCode: 401, title: "That key is not a valid report key. Check it and try again.");
        if (key.Role != KeyRole.Report || !key.Covers(serviceId))
            return TypedResults.Problem(statusCode: 403, title: "That key is not a report key for this service.");
        sessions.SignIn(request.HttpContext.Response, key, serviceId);
        request.HttpContext.Response.Headers.Location = DashboardSessions.Path(serviceId);
        return TypedResults.StatusCode(StatusCodes.Status303SeeOther);
    }

    private async Task<IReadOnlyList<Plot>> PlotsAsync(Report report, CancellationToken ct)
    {
        var instruments = await catalog.GetAllAsync(ct);
        string Title(string key) =>
            instruments.TryGetValue(FigureGroup.InstrumentIdOf(key), out var definition) ? $"{FormPage.Topic(definition)} (version {key[(key.LastIndexOf('@') + 1)..]})" : key;
        return [.. DashboardPlots.All(report, Title), .. (report.Groups ?? []).SelectMany(part => DashboardPlots.All(report, Title, part))];
    }

    private static void Attachment(HttpRequest request, string fileName) =>
        request.HttpContext.Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = fileName }.ToString();
}

/// <summary>
/// An evaluator's browser never meets JSON on the dashboard: without a session (or with a key that
/// does not cover the service) it gets the sign-in form, and any other refusal becomes a page with the
/// period form. Programs, which do not ask for text/html, keep getting problem details.
/// </summary>
internal sealed class DashboardPages : HttpMiddleware
{
    private static readonly HashSet<string> Pages = ["Dashboard", "DashboardSignIn"];

    protected override async Task InvokeAsync(FunctionContext context, HttpContext http, FunctionExecutionDelegate next)
    {
        await next(context);
        if (!Pages.Contains(context.FunctionDefinition.Name)
            || !http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase)
            || context.GetInvocationResult().Value is not IStatusCodeHttpResult { StatusCode: >= 400 and var status } result
            || result is not IValueHttpResult { Value: ProblemDetails problem })
            return;
        var serviceId = context.BindingValue("serviceId") is { } id && Routes.ServiceId().IsMatch(id) ? id : "";
        var nonce = HtmlPages.NewNonce();
        // A first visit is no error; a failed sign-in, a key for other services or a session that has ended says so.
        var message = HttpMethods.IsPost(http.Request.Method) || http.User.ApiKey() is not null ? problem.Title
            : http.Request.Cookies.ContainsKey(DashboardSessions.CookieName) ? "Your session has ended. Sign in again."
            : null;
        var page = status is 401 or 403 && serviceId.Length > 0
            ? DashboardPage.SignIn(serviceId, message, nonce)
            : DashboardPage.Problem(serviceId, problem.Title ?? "The dashboard cannot be shown.",
                problem is HttpValidationProblemDetails validation ? validation.Errors : new Dictionary<string, string[]>(), nonce);
        http.Response.StatusCode = status;
        Answer(context, DashboardPage.Respond(http, nonce, page));
    }
}
