using System.Text;
using System.Text.Encodings.Web;
using PeerEval.Contracts;
using PeerEval.Functions.Hosting;

namespace PeerEval.Functions.Dashboard;

/// <summary>
/// The evaluator's pages: the report as plots beside their tables, the period form, and signing in.
/// Plain HTML and server-drawn SVG with no script at all, so nothing runs in the page and nothing is
/// loaded from elsewhere.
/// </summary>
public static class DashboardPage
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;
    private static readonly string Css = ReadCss();

    /// <param name="plots">The service's plots first, then each part's, whose ids start with <see cref="DashboardPlots.PartId"/>.</param>
    /// <param name="by">The breakdown asked for (the report validated it), kept in the form even when no submission has a value for it.</param>
    public static string Render(string serviceName, Report report, IReadOnlyList<Plot> plots, string? by, string nonce)
    {
        var serviceId = report.ServiceId;
        var query = $"granularity={report.Granularity}&from={report.From}&to={report.To}" + (by is null ? "" : $"&by={by}");
        var page = new StringBuilder($"""
            <h1>{E(serviceName)}: outcomes dashboard</h1>
            <p class="lead">Figures by {report.Granularity} from {E(report.From)} to {E(report.To)}, as the report API serves them on {report.GeneratedAt:yyyy-MM-dd HH:mm} UTC. Figure groups of fewer than {report.MinCellSize} people are suppressed, and so are any others that would let them be worked out.</p>
            """);
        PeriodForm(page, serviceId, report.Granularity, report.From, report.To, by);
        page.Append($"""<p class="downloads"><a href="{DashboardSessions.Path(serviceId)}/figures.csv?{E(query)}" download>Download all figures (CSV)</a></p>""");
        page.Append($"""<h2 id="counts-heading">Submissions and participants</h2>{DashboardPlots.CountsTable(report)}""");
        var partPrefixes = (report.Groups ?? []).Select(DashboardPlots.PartId).ToList();
        var servicePlots = plots.Where(p => !partPrefixes.Any(prefix => p.Id.StartsWith(prefix, StringComparison.Ordinal))).ToList();
        if (servicePlots.Count == 0)
            page.Append("<p>There are no scores or stays in these periods.</p>");
        Plots(page, serviceId, query, servicePlots, "h2");
        if (by is not null && (report.Groups?.Count ?? 0) == 0)
            page.Append("<p>No submission in these periods names a value for this breakdown.</p>");
        foreach (var part in report.Groups ?? [])
        {
            var prefix = DashboardPlots.PartId(part);
            page.Append($"""<h2 id="{E(prefix)}heading">{E(DashboardPlots.PartTitle(part))}</h2>{DashboardPlots.CountsTable(report, part)}""");
            Plots(page, serviceId, query, plots.Where(p => p.Id.StartsWith(prefix, StringComparison.Ordinal)).ToList(), "h3");
        }
        return Layout($"{serviceName}: outcomes dashboard", nonce, page.ToString());
    }

    private static void Plots(StringBuilder page, string serviceId, string query, IReadOnlyList<Plot> plots, string heading)
    {
        foreach (var plot in plots)
        {
            page.Append($"""
                <{heading} id="{E(plot.Id)}">{E(plot.Title)}</{heading}>
                <div class="pair"><figure tabindex="0" aria-labelledby="{E(plot.Id)}">{plot.Svg}</figure>{plot.Table}</div>
                <p class="downloads"><a href="{DashboardSessions.Path(serviceId)}/plot.svg?plot={E(plot.Id)}&amp;{E(query)}" download>Download this plot (SVG)<span class="visually-hidden">: {E(plot.Title)}</span></a></p>
                """);
        }
    }

    /// <summary>The sign-in form: a report key is typed once, exchanged for a session, and never put in an address.</summary>
    public static string SignIn(string serviceId, string? message, string nonce)
    {
        var page = new StringBuilder($"""<h1>Sign in to the dashboard for {E(serviceId)}</h1>""");
        if (message is not null)
            page.Append($"""<div class="error-summary" role="alert"><h2>You are not signed in</h2><p>{E(message)}</p></div>""");
        page.Append($"""
            <p class="lead">Use a report key that covers this service. You stay signed in for {(int)DashboardSessions.Lifetime.TotalMinutes} minutes; the key itself is not kept in your browser.</p>
            <form method="post" action="{DashboardSessions.Path(serviceId)}/session">
            <div class="field"><label for="key">Report key</label>
            <input type="password" id="key" name="key" autocomplete="current-password" spellcheck="false" required></div>
            <p><button type="submit">Sign in</button></p>
            </form>
            """);
        return Layout("Sign in: outcomes dashboard", nonce, page.ToString());
    }

    /// <summary>A refused request for the page, in words, with the period form to try again.</summary>
    public static string Problem(string serviceId, string title, IDictionary<string, string[]> errors, string nonce)
    {
        var page = new StringBuilder($"""<h1>Outcomes dashboard</h1><div class="error-summary" role="alert"><h2>{E(title)}</h2>""");
        if (errors.Count > 0)
        {
            page.Append("<ul>");
            foreach (var (field, messages) in errors)
                page.Append($"""<li>{E(field)}: {E(string.Join(" ", messages))}</li>""");
            page.Append("</ul>");
        }
        page.Append("</div>");
        PeriodForm(page, serviceId, "month", "", "", null);
        return Layout(title, nonce, page.ToString());
    }

    /// <summary>Sends a page under a policy that lets in nothing but its own nonce'd style, and no frame.</summary>
    public static IResult Respond(HttpContext context, string nonce, string html)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy =
            $"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
        headers.XFrameOptions = "DENY";
        // The sign-in form posts to its own origin; under no-referrer a browser would send that post with `Origin: null`.
        headers["Referrer-Policy"] = "same-origin";
        return TypedResults.Content(html, "text/html; charset=utf-8", statusCode: context.Response.StatusCode);
    }

    private static void PeriodForm(StringBuilder page, string serviceId, string granularity, string from, string to, string? by)
    {
        string Option(string value) => $"""<option value="{value}"{(value == granularity ? " selected" : "")}>{value}</option>""";
        string ByOption(string value, string label) => $"""<option value="{value}"{(value == (by ?? "") ? " selected" : "")}>{label}</option>""";
        page.Append($"""
            <form class="period" method="get" action="{DashboardSessions.Path(serviceId)}" aria-label="Periods to show">
            <div class="field"><label for="granularity">Periods of</label><select id="granularity" name="granularity">{Option("month")}{Option("quarter")}{Option("year")}</select></div>
            <div class="field"><label for="from">From</label><span class="hint" id="from-hint">YYYY-MM, YYYY-Qn or YYYY</span><input type="text" id="from" name="from" value="{E(from)}" aria-describedby="from-hint"></div>
            <div class="field"><label for="to">To</label><span class="hint" id="to-hint">Empty: the current period</span><input type="text" id="to" name="to" value="{E(to)}" aria-describedby="to-hint"></div>
            <div class="field"><label for="by">Break down by</label><select id="by" name="by">{ByOption("", "nothing")}{ByOption("team", "team")}{ByOption("setting", "setting")}{ByOption("peerWorker", "peer worker")}</select></div>
            <button type="submit">Show</button>
            </form>
            """);
    }

    private static string Layout(string title, string nonce, string body) => HtmlPages.Layout(title, nonce, Css, body);

    private static string ReadCss()
    {
        using var stream = typeof(DashboardPage).Assembly.GetManifestResourceStream("PeerEval.Functions.Dashboard.assets.dashboard.css")
            ?? throw new InvalidOperationException("Embedded asset dashboard.css is missing.");
        return new StreamReader(stream).ReadToEnd();
    }

    private static string E(string text) => Html.Encode(text);
}
