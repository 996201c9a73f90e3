using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using PeerEval.Functions.Tests.Infrastructure;
using PeerEval.Testing;
using static PeerEval.Testing.Bodies;

namespace PeerEval.Functions.Tests;

public sealed class ReportTests
{
    private static async Task<TestApp> AppWithDataAsync(int minCellSize, int participants)
    {
        var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:Reporting:MinCellSize"] = minCellSize.ToString(CultureInfo.InvariantCulture) });
        var bodies = Enumerable.Range(1, participants).SelectMany(p => new[]
        {
            Hope($"p{p}", "baseline", "2026-01-10", Uniform(1 + p % 5), new { admittedOn = "2026-01-01", dischargedOn = $"2026-01-{10 + p:D2}" }),
            Hope($"p{p}", "followup", "2026-02-10", Uniform(1 + (p + 2) % 5)),
        }).ToList();
        foreach (var body in bodies)
            Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(body)).StatusCode);
        await app.WaitForStatusAsync(bodies.Select(b => (string)b["submissionId"]!));
        return app;
    }

    [Fact]
    public async Task Csv_and_json_agree_figure_for_figure()
    {
        await using var app = await AppWithDataAsync(minCellSize: 3, participants: 4);
        var json = await app.ReportAsync("2026-01", "2026-03");
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/reports/demo?from=2026-01&to=2026-03");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var response = await app.Client(TestApp.ReportKey).SendAsync(request);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("serviceId,period,instrument,occasion,figure,value", lines[0]);

        var csv = lines.Skip(1).Select(l => l.Split(',')).ToList();
        var compared = 0;
        foreach (var row in csv)
        {
            var figures = row[1] == "total" ? json.GetProperty("total") : json.GetProperty("periods").EnumerateArray().Single(p => p.GetProperty("period").GetString() == row[1]);
            var holder = (row[2], row[3]) switch
            {
                ("", "lengthOfStay") => figures.GetProperty("lengthOfStay"),
                ("", "") => figures,
                (var instrument, "change") => figures.GetProperty("instruments").GetProperty(instrument).GetProperty("change"),
                (var instrument, var occasion) => figures.GetProperty("instruments").GetProperty(instrument).GetProperty("occasions").GetProperty(occasion),
            };
            var value = holder.GetProperty(row[4]);
            var expected = value.ValueKind switch
            {
                JsonValueKind.Null => "",
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => value.GetDouble().ToString("R", CultureInfo.InvariantCulture),
            };
            Assert.Equal(expected, row[5]);
            compared++;
        }
        Assert.True(compared > 50, $"only {compared} figures compared");
        Assert.Contains(csv, r => r[4] == "mean" && r[5] != "");
    }

    [Fact]
    public async Task Suppression_applies_below_the_threshold_and_not_at_it()
    {
        await using (var atThreshold = await AppWithDataAsync(minCellSize: 5, participants: 5))
        {
            var cell = (await atThreshold.ReportAsync("2026-01", "2026-02")).GetProperty("periods")[0]
                .GetProperty("instruments").GetProperty("hope-core").GetProperty("occasions").GetProperty("baseline");
            Assert.False(cell.GetProperty("suppressed").GetBoolean());
            Assert.Equal(JsonValueKind.Number, cell.GetProperty("mean").ValueKind);
        }
        await using var below = await AppWithDataAsync(minCellSize: 5, participants: 4);
        var report = await below.ReportAsync("2026-01", "2026-02");
        var january = report.GetProperty("periods")[0];
        var baseline = january.GetProperty("instruments").GetProperty("hope-core").GetProperty("occasions").GetProperty("baseline");
        Assert.True(baseline.GetProperty("suppressed").GetBoolean());
        foreach (var figure in new[] { "mean", "sd", "median", "q1", "q3", "min", "max" })
            Assert.Equal(JsonValueKind.Null, baseline.GetProperty(figure).ValueKind);
        var change = report.GetProperty("total").GetProperty("instruments").GetProperty("hope-core").GetProperty("change");
        Assert.True(change.GetProperty("suppressed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, change.GetProperty("meanChange").ValueKind);
        var stays = january.GetProperty("lengthOfStay");
        Assert.True(stays.GetProperty("suppressed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, stays.GetProperty("medianDays").ValueKind);
    }

    [Theory]
    [InlineData("from=2026-13&to=2026-12", "from")]
    [InlineData("from=2026-01&to=26-02", "to")]
    [InlineData("from=2026-05&to=2026-01", "from")]
    [InlineData("from=2000-01&to=2026-01", "to")]
    [InlineData("from=9989-12&to=9999-12", "to")] // 121 months, one too many, at the end of the calendar
    [InlineData("from=9990-01", "from")] // after the default 'to', this month
    public async Task A_bad_range_is_refused_naming_the_parameter(string query, string field)
    {
        await using var app = await TestApp.StartAsync(queueTriggers: false);
        var response = await app.Client(TestApp.ReportKey).GetAsync($"/api/reports/demo?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task A_range_that_ends_at_the_last_month_there_is_is_served_not_a_500()
    {
        await using var app = await TestApp.StartAsync(queueTriggers: false);
        var report = await app.Client(TestApp.ReportKey).GetFromJsonAsync<JsonElement>("/api/reports/demo?from=9990-01&to=9999-12");
        Assert.Equal(120, report.GetProperty("periods").GetArrayLength());
        Assert.Equal("9999-12", report.GetProperty("periods")[119].GetProperty("period").GetString());
    }
}
