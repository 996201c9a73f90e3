using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerEval.Functions.Hosting;
using PeerEval.Client;
using PeerEval.Domain.Submissions;
using PeerEval.Functions.Tests.Infrastructure;
using PeerEval.Testing;
using PeerEval.Contracts;

namespace PeerEval.Functions.Tests;

public sealed class ClientAndDocsTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:Reporting:MinCellSize"] = "0" });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private PeerEvalClient ClientFor(string key)
    {
        var services = new ServiceCollection();
        services.AddPeerEvalClient(options =>
        {
            options.BaseAddress = _app.BaseAddress;
            options.ApiKey = key;
        });
        return services.BuildServiceProvider().GetRequiredService<PeerEvalClient>();
    }

    [Fact]
    public async Task The_client_round_trips_a_submission_and_a_report()
    {
        var submitter = ClientFor(TestApp.SubmitKey);
        var body = new SubmissionBody("client-1", "person-9", "baseline", new DateOnly(2026, 6, 3),
            [new InstrumentAnswers("empowerment-core", Enumerable.Range(1, 10).ToDictionary(i => $"e{i}", i => (int?)(i is 3 or 7 ? 1 : 4)))],
            new StayDates(new DateOnly(2026, 5, 1), new DateOnly(2026, 6, 1)), new SupportContextCodes("ward-3", "inpatient"));

        var receipt = await submitter.SubmitAsync("demo", body);
        Assert.Equal(("client-1", "queued"), (receipt.SubmissionId, receipt.Status));
        Assert.Equal("queued", (await submitter.SubmitAsync("demo", body)).Status); // a retry is safe
        await _app.WaitForStatusAsync(["client-1"]);
        Assert.Equal("aggregated", (await submitter.GetSubmissionAsync("demo", "client-1")).Status);

        var reader = ClientFor(TestApp.ReportKey);
        var report = await reader.GetReportAsync("demo", ReportQuery.Months("2026-05", "2026-06"));
        Assert.Equal(["2026-05", "2026-06"], report.Periods.Select(p => p.Period));
        Assert.Equal([0L, 1], report.Periods.Select(p => p.Submissions));
        Assert.Equal(4.0, report.Periods[1].Instruments["empowerment-core@1"].Occasions["baseline"].Mean);
        Assert.Equal(31, report.Periods[1].LengthOfStay.MeanDays); // counted in the month of discharge
        var quarter = await reader.GetReportAsync("demo", ReportQuery.Quarters("2026-Q2", "2026-Q2"));
        Assert.Equal(("quarter", "2026-Q2", 1L), (quarter.Granularity, quarter.Periods.Single().Period, quarter.Periods.Single().Participants));
        Assert.StartsWith("serviceId,granularity,period", await reader.GetReportCsvAsync("demo", ReportQuery.Years("2026", "2026")));
        var byTeam = await reader.GetReportAsync("demo", ReportQuery.Months("2026-06", "2026-06") with { By = "team" });
        var ward = Assert.Single(byTeam.Groups!);
        Assert.Equal(("team", "ward-3", 1L), (ward.By, ward.Value, ward.Periods.Single().Submissions));
    }

    [Fact]
    public async Task The_client_surfaces_validation_problems_by_field()
    {
        var body = new SubmissionBody("client-2", "person-9", "baseline", new DateOnly(2026, 6, 3),
            [new InstrumentAnswers("hope-core", new Dictionary<string, int?> { ["h1"] = 9 })]);
        var problem = await Assert.ThrowsAsync<PeerEvalProblemException>(() => ClientFor(TestApp.SubmitKey).SubmitAsync("demo", body));
        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Contains("responses[0].answers.h1", problem.Errors.Keys);
        var forbidden = await Assert.ThrowsAsync<PeerEvalProblemException>(() => ClientFor(TestApp.SubmitKey).SubmitAsync("other", body));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.Status);
    }

    [Fact]
    public void The_client_carries_the_contract_and_none_of_the_domain()
    {
        var references = typeof(PeerEvalClient).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.Contains("PeerEval.Contracts", references);
        Assert.DoesNotContain("PeerEval.Domain", references);
    }

    [Fact]
    public async Task The_openapi_document_describes_every_api_route()
    {
        var document = await _app.Client().GetFromJsonAsync<JsonElement>("/api/openapi/v1.json");
        Assert.Equal("PeerEval API", document.GetProperty("info").GetProperty("title").GetString());
        var described = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(op => $"{op.Name.ToUpperInvariant()} {path.Name}"))
            .ToHashSet();
        var routes = FunctionCatalog.HttpFunctions.Where(f => f.Name != "OpenApiDocument")
            .SelectMany(f => f.Methods.Where(m => m != "OPTIONS").Select(m => $"{m} {f.Path}"))
            .ToHashSet();
        Assert.Contains("POST /api/services/{serviceId}/submissions", routes);
        Assert.Empty(routes.Except(described));

        var submit = document.GetProperty("paths").GetProperty("/api/services/{serviceId}/submissions").GetProperty("post");
        Assert.True(submit.GetProperty("responses").TryGetProperty("202", out _));
        Assert.True(submit.GetProperty("responses").TryGetProperty("401", out _));
        var report = document.GetProperty("paths").GetProperty("/api/reports/{serviceId}").GetProperty("get");
        Assert.Equal(["serviceId", "granularity", "from", "to", "by", "benchmark"], report.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.True(report.GetProperty("responses").TryGetProperty("404", out _));
        Assert.True(submit.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
    }
}
