using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using PeerEval.Domain;
using PeerEval.Domain.Aggregation;
using PeerEval.Domain.Network;
using PeerEval.Domain.Reports;
using PeerEval.Functions.Aggregation;
using PeerEval.Functions.Auth;
using PeerEval.Functions.Hosting;
using PeerEval.Functions.Services;
using PeerEval.Contracts;

namespace PeerEval.Functions.Reports;

public sealed class ReportingOptions
{
    /// <summary>Figure groups with fewer people than this are suppressed; 0 turns suppression off (tests only).</summary>
    [Range(0, 1000)]
    public int MinCellSize { get; set; } = 5;

    /// <summary>The month quarters and years start from: 1 for calendar years, 4 for the UK financial year.</summary>
    [Range(1, 12)]
    public int YearStartMonth { get; set; } = 1;
}

public static class ReportsModule
{
    public static IHostApplicationBuilder AddReports(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ReportingOptions>().BindConfiguration("PeerEval:Reporting").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ReportSource>();
        return builder;
    }
}

/// <summary>A report built for a request, or the problem that refuses the request.</summary>
public sealed record LoadedReport(Report? Report, IResult? Refusal);

/// <summary>
/// Reads a report request's granularity and range, and builds the report from storage: the one path
/// by which the report API and the dashboard get their figures, so they always show the same.
/// </summary>
public sealed class ReportSource(
    ReportRows reports, ServiceDirectory services, Instruments.InstrumentCatalog catalog, Network.NetworkPool pool, IOptions<ReportingOptions> options, TimeProvider clock)
{
    /// <summary>Ten years of months in one report at the most.</summary>
    public const int MaxMonths = 120;

    /// <summary>Periods a report covers when it names none: the last 12 months, 4 quarters or 3 years.</summary>
    private static int DefaultCount(Granularity granularity) => granularity switch
    {
        Granularity.Quarter => 4,
        Granularity.Year => 3,
        _ => 12,
    };

    public async Task<LoadedReport> LoadAsync(HttpRequest request, string serviceId, CancellationToken ct)
    {
        var loaded = await LoadAsync(request, serviceId, Breakdown.Dimensions, async token => await services.FindAsync(serviceId, token) is not null,
            (month, by, token) => reports.ReadStateAsync(serviceId, month, by, token), ct);
        string? benchmark = request.Query["benchmark"];
        return loaded.Report is { } report && benchmark is not null ? await WithBenchmarkAsync(report, serviceId, benchmark, ct) : loaded;
    }

    /// <summary>
    /// The network's pooled figures beside a sharing service's own (`benchmark=network`), for the same
    /// periods, each figure group shown only where the rest of the pool, which the service could work
    /// out by subtracting its own, holds no one or is publishable itself.
    /// </summary>
    private async Task<LoadedReport> WithBenchmarkAsync(Report report, string serviceId, string benchmark, CancellationToken ct)
    {
        var errors = new ErrorBag();
        if (benchmark != Network.NetworkPool.ReportId)
            errors.Add("benchmark", "Must be network.");
        else if (!await services.SharesWithNetworkAsync(serviceId, ct))
            errors.Add("benchmark", "Only a service that shares with the network sees the network's figures.");
        if (!errors.IsEmpty)
            return new(null, ApiConventions.ValidationProblem(errors));

        var calendar = new ReportingCalendar(options.Value.YearStartMonth);
        ReportingCalendar.TryParseGranularity(report.Granularity, out var granularity);
        calendar.TryParse(granularity, report.From, out var from);
        calendar.TryParse(granularity, report.To, out var to);
        var months = ReportBuilder.MonthsToRead(calendar, from, to).ToList();
        var pooled = await Task.WhenAll(months.Select(m => pool.ReadMonthAsync(ReportingCalendar.MonthName(m), null, ct)));
        var parts = await Task.WhenAll(months.Select(m => pool.ReadPartAsync(serviceId, ReportingCalendar.MonthName(m), ct)));
        var poolByMonth = months.Zip(pooled).ToDictionary(x => x.First, x => x.Second);
        var partByMonth = months.Zip(parts).ToDictionary(x => x.First, x => (ReportState?)x.Second);
        var rest = Benchmark.Rest(poolByMonth.GetValueOrDefault, partByMonth.GetValueOrDefault);
        var years = months.Select(calendar.YearOf).Distinct().ToList();
        var figures = ReportBuilder.Build(Network.NetworkPool.ReportId, calendar, from, to, poolByMonth.GetValueOrDefault, options.Value.MinCellSize,
            report.GeneratedAt, respondentOf: RespondentOf(await catalog.GetAllAsync(ct)), alsoRequired: Benchmark.MayShow(calendar, years, rest, options.Value.MinCellSize));
        return new(report with { Benchmark = new BenchmarkFigures(Network.NetworkPool.ReportId, figures.Periods) }, null);
    }

    private static Func<string, Domain.Instruments.Respondent> RespondentOf(IReadOnlyDictionary<string, Domain.Instruments.InstrumentDefinition> instruments) =>
        id => instruments.TryGetValue(id, out var instrument) ? instrument.Respondent : Domain.Instruments.Respondent.Person;

    /// <summary>
    /// A report of any monthly states, a service's or the network's pool: the request's periods and
    /// breakdown (one of <paramref name="dimensions"/>), whether the report exists (else 404), and how to
    /// read one month (yyyy-MM) with a breakdown's groups, or null where nothing was recorded.
    /// </summary>
    public async Task<LoadedReport> LoadAsync(
        HttpRequest request, string reportId, IReadOnlyList<string> dimensions, Func<CancellationToken, Task<bool>> exists,
        Func<string, string?, CancellationToken, Task<ReportState?>> readMonth, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var calendar = new ReportingCalendar(options.Value.YearStartMonth);
        var errors = new ErrorBag();
        if (!ReportingCalendar.TryParseGranularity(request.Query["granularity"], out var granularity))
            errors.Add("granularity", "Must be month, quarter or year.");
        var current = calendar.Containing(granularity, ReportingCalendar.MonthIndex(now.Year, now.Month));
        var to = ParsePeriod(calendar, granularity, request.Query["to"], "to", current, errors);
        var from = ParsePeriod(calendar, granularity, request.Query["from"], "from", Earlier(calendar, to, DefaultCount(granularity) - 1), errors);
        if (errors.IsEmpty && from.FirstMonth > to.FirstMonth)
            errors.Add("from", "Must not be after 'to'.");
        if (errors.IsEmpty && to.LastMonth - from.FirstMonth + 1 > MaxMonths)
            errors.Add("to", $"A report spans at most {MaxMonths} months.");
        // Empty means none, as an empty from or to means the default: the dashboard's "nothing" sends by=.
        var by = request.Query["by"].ToString() is { Length: > 0 } asked ? asked : null;
        if (by is not null && !dimensions.Contains(by))
            errors.Add("by", $"Must be {string.Join(", ", dimensions.SkipLast(1))} or {dimensions[^1]}.");
        if (!errors.IsEmpty)
            return new(null, ApiConventions.ValidationProblem(errors));
        if (!await exists(ct))
            return new(null, TypedResults.Problem(statusCode: 404, title: "No such service."));

        // One read per month of each reporting year asked about: the cost follows the periods, never the submissions stored.
        var months = ReportBuilder.MonthsToRead(calendar, from, to).ToList();
        var states = await Task.WhenAll(months.Select(m => readMonth(ReportingCalendar.MonthName(m), by, ct)));
        var byMonth = months.Zip(states).Where(x => x.Second is not null).ToDictionary(x => x.First, x => x.Second!);
        return new(ReportBuilder.Build(reportId, calendar, from, to, byMonth.GetValueOrDefault, options.Value.MinCellSize, now,
            respondentOf: RespondentOf(await catalog.GetAllAsync(ct)), by: by), null);
    }

    /// <summary>The period some number of periods before another, or the calendar's first where that runs out.</summary>
    private static ReportPeriod Earlier(ReportingCalendar calendar, ReportPeriod period, int count)
    {
        var firstMonth = Math.Max(period.FirstMonth - count * period.MonthCount, ReportingCalendar.MonthIndex(ReportingCalendar.FirstYear, 1));
        return calendar.Containing(period.Granularity, firstMonth);
    }

    private static ReportPeriod ParsePeriod(ReportingCalendar calendar, Granularity granularity, string? text, string name, ReportPeriod fallback, ErrorBag errors)
    {
        if (string.IsNullOrEmpty(text))
            return fallback;
        if (calendar.TryParse(granularity, text, out var period))
            return period;
        errors.Add(name, granularity switch
        {
            Granularity.Quarter => "Must be a quarter written YYYY-Qn (n from 1 to 4).",
            Granularity.Year => "Must be a year written YYYY.",
            _ => "Must be a month written YYYY-MM.",
        });
        return fallback;
    }
}

public sealed class ReportFunctions(ReportSource source)
{
    [Function("GetReport")]
    [Authorize(Policy = KeyPolicies.Report)]
    [ProducesResponseType<Report>(200)]
    [ProducesResponseType<string>(200, "text/csv")]
    [ProducesResponseType(400)]
    [ProducesResponseType(404)]
    [QueryParameter("granularity", "month (default), quarter or year; quarters and years start at PeerEval__Reporting__YearStartMonth.")]
    [QueryParameter("from", "First period, in the granularity: YYYY-MM, YYYY-Qn or YYYY. Default: 11 months, 3 quarters or 2 years before 'to'.")]
    [QueryParameter("to", "Last period, in the granularity. Default: the current one. At most 120 months in all.")]
    [QueryParameter("by", "team, setting or peerWorker: adds `groups`, the same figures per value of the submissions' context, under the same disclosure control.")]
    [QueryParameter("benchmark", "network: adds `benchmark`, the network's pooled figures for the same periods, for a service that shares; a pooled figure shows only where the rest of the pool is empty or publishable.")]
    public async Task<IResult> GetAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/{serviceId}")] HttpRequest request, string serviceId)
    {
        var loaded = await source.LoadAsync(request, serviceId, request.HttpContext.RequestAborted);
        if (loaded.Report is not { } report)
            return loaded.Refusal!;
        return WantsCsv(request) ? ReportCsv.Respond(report) : TypedResults.Ok(report);
    }

    /// <summary>Whether the caller asked for the figures as CSV (Accept: text/csv).</summary>
    public static bool WantsCsv(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase));
}
