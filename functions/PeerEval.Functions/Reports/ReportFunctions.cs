using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using PeerEval.Domain;
using PeerEval.Domain.Aggregation;
using PeerEval.Domain.Reports;
using PeerEval.Functions.Aggregation;
using PeerEval.Functions.Auth;
using PeerEval.Functions.Hosting;
using PeerEval.Contracts;

namespace PeerEval.Functions.Reports;

public sealed class ReportingOptions
{
    /// <summary>Figures built from fewer people than this are suppressed; 0 turns suppression off.</summary>
    [Range(0, 1000)]
    public int MinCellSize { get; set; } = 5;
}

public static class ReportsModule
{
    public static IHostApplicationBuilder AddReports(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ReportingOptions>().BindConfiguration("PeerEval:Reporting").ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }
}

public sealed class ReportFunctions(ReportRows reports, IOptions<ReportingOptions> options, TimeProvider clock)
{
    /// <summary>Ten years of months in one report at the most.</summary>
    public const int MaxMonths = 120;

    [Function("GetReport")]
    [Authorize(Policy = KeyPolicies.Report)]
    [ProducesResponseType<Report>(200)]
    [ProducesResponseType<string>(200, "text/csv")]
    [ProducesResponseType(400)]
    public async Task<IResult> GetAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/{serviceId}")] HttpRequest request, string serviceId)
    {
        var ct = request.HttpContext.RequestAborted;
        var now = clock.GetUtcNow();
        var errors = new ErrorBag();
        var thisMonth = new DateOnly(now.Year, now.Month, 1);
        var fromMonth = ParseMonth(request.Query["from"], "from", thisMonth.AddMonths(-11), errors);
        var toMonth = ParseMonth(request.Query["to"], "to", thisMonth, errors);
        if (errors.IsEmpty && fromMonth > toMonth)
            errors.Add("from", "Must not be after 'to'.");
        if (errors.IsEmpty && MonthsBetween(fromMonth, toMonth) >= MaxMonths)
            errors.Add("to", $"A report spans at most {MaxMonths} months.");
        if (!errors.IsEmpty)
            return ApiConventions.ValidationProblem(errors);

        // One point read per month: the cost follows the months asked for, never the submissions stored.
        var months = Period.Range(fromMonth, toMonth).ToList();
        var states = await Task.WhenAll(months.Select(m => reports.ReadStateAsync(serviceId, m, ct)));
        var byMonth = months.Zip(states).Where(x => x.Second is not null).ToDictionary(x => x.First, x => x.Second!);
        var report = ReportBuilder.Build(serviceId, fromMonth, toMonth, byMonth, options.Value.MinCellSize, now);

        return WantsCsv(request)
            ? TypedResults.Text(ReportCsv.Write(report), "text/csv; charset=utf-8")
            : TypedResults.Ok(report);
    }

    /// <summary>Counted, not added: adding months to 9990-01 runs past the last date there is.</summary>
    private static int MonthsBetween(DateOnly from, DateOnly to) => (to.Year - from.Year) * 12 + to.Month - from.Month;

    private static DateOnly ParseMonth(string? text, string name, DateOnly fallback, ErrorBag errors)
    {
        if (string.IsNullOrEmpty(text))
            return fallback;
        if (Period.TryParse(text, out var month))
            return month;
        errors.Add(name, "Must be a month written YYYY-MM.");
        return fallback;
    }

    private static bool WantsCsv(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase));
}
