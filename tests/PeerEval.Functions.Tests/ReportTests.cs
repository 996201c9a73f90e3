using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using PeerEval.Domain.Instruments;
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
        foreach (var (granularity, from, to) in new[] { ("month", "2026-01", "2026-03"), ("quarter", "2026-Q1", "2026-Q2"), ("year", "2026", "2026") })
        {
            var json = await app.ReportAsync(from, to, granularity: granularity);
            var request = new HttpRequestMessage(HttpMethod.Get, $"/api/reports/demo?granularity={granularity}&from={from}&to={to}");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
            var response = await app.Client(TestApp.ReportKey).SendAsync(request);
            Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
            var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("serviceId,granularity,period,instrument,group,figure,value,by,part", lines[0]);

            var csv = lines.Skip(1).Select(l => l.Split(',')).ToList();
            foreach (var row in csv)
            {
                Assert.Equal(granularity, row[1]);
                var figures = json.GetProperty("periods").EnumerateArray().Single(p => p.GetProperty("period").GetString() == row[2]);
                var holder = (row[3], row[4]) switch
                {
                    ("", "lengthOfStay") => figures.GetProperty("lengthOfStay"),
                    ("", "") => figures,
                    (var instrument, "") => figures.GetProperty("instruments").GetProperty(instrument),
                    (var instrument, var group) when group.StartsWith("change:", StringComparison.Ordinal) =>
                        figures.GetProperty("instruments").GetProperty(instrument).GetProperty("change").GetProperty(group["change:".Length..]),
                    (var instrument, var occasion) => figures.GetProperty("instruments").GetProperty(instrument).GetProperty("occasions").GetProperty(occasion),
                };
                var value = holder.GetProperty(row[5]);
                var expected = value.ValueKind switch
                {
                    JsonValueKind.Null => "",
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    JsonValueKind.String => value.GetString(),
                    _ => value.GetDouble().ToString("R", CultureInfo.InvariantCulture),
                };
                Assert.Equal(expected, row[6]);
            }
            // Every figure the JSON holds has its row: the leaves of the periods, less the period names.
            Assert.Equal(Leaves(json.GetProperty("periods")) - json.GetProperty("periods").GetArrayLength(), csv.Count);
            Assert.Contains(csv, r => r[5] == "mean" && r[6] != "");
        }
    }

    private static int Leaves(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Sum(p => Leaves(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Sum(Leaves),
        _ => 1,
    };

    [Fact]
    public async Task Groups_with_fewer_people_than_the_threshold_are_suppressed_and_no_single_values_are_served()
    {
        await using (var atThreshold = await AppWithDataAsync(minCellSize: 5, participants: 5))
        {
            var cell = (await atThreshold.ReportAsync("2026-01", "2026-02")).GetProperty("periods")[0]
                .GetProperty("instruments").GetProperty("hope-core@1").GetProperty("occasions").GetProperty("baseline");
            Assert.False(cell.GetProperty("suppressed").GetBoolean());
            Assert.Equal(JsonValueKind.Number, cell.GetProperty("mean").ValueKind);
            Assert.False(cell.TryGetProperty("min", out _));
            Assert.False(cell.TryGetProperty("max", out _));
        }
        await using var below = await AppWithDataAsync(minCellSize: 5, participants: 4);
        var report = await below.ReportAsync("2026-01", "2026-02");
        var january = report.GetProperty("periods")[0];
        var baseline = january.GetProperty("instruments").GetProperty("hope-core@1").GetProperty("occasions").GetProperty("baseline");
        Assert.True(baseline.GetProperty("suppressed").GetBoolean());
        Assert.Equal((4, 4), (baseline.GetProperty("n").GetInt32(), baseline.GetProperty("people").GetInt32()));
        foreach (var figure in new[] { "mean", "sd", "median", "q1", "q3" })
            Assert.Equal(JsonValueKind.Null, baseline.GetProperty(figure).ValueKind);
        var change = report.GetProperty("periods")[1].GetProperty("instruments").GetProperty("hope-core@1").GetProperty("change").GetProperty("followup");
        Assert.True(change.GetProperty("suppressed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, change.GetProperty("meanChange").ValueKind);
        var stays = january.GetProperty("lengthOfStay");
        Assert.True(stays.GetProperty("suppressed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, stays.GetProperty("medianDays").ValueKind);
    }

    [Fact]
    public async Task Quarters_and_years_follow_the_configured_first_month_of_the_year()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["PeerEval:Reporting:MinCellSize"] = "0",
            ["PeerEval:Reporting:YearStartMonth"] = "4",
        });
        var bodies = new[] { "2025-03-31", "2025-04-01", "2025-06-30", "2026-03-31" }
            .Select((date, i) => Hope($"p{i}", "baseline", date, Uniform(3))).ToList();
        foreach (var body in bodies)
            Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(body)).StatusCode);
        await app.WaitForStatusAsync(bodies.Select(b => (string)b["submissionId"]!));

        var quarters = await app.ReportAsync("2024-Q4", "2025-Q4", granularity: "quarter");
        Assert.Equal("quarter", quarters.GetProperty("granularity").GetString());
        Assert.Equal(
            [("2024-Q4", 1), ("2025-Q1", 2), ("2025-Q2", 0), ("2025-Q3", 0), ("2025-Q4", 1)],
            quarters.GetProperty("periods").EnumerateArray().Select(p => (p.GetProperty("period").GetString(), p.GetProperty("submissions").GetInt32())));
        var years = await app.ReportAsync("2024", "2025", granularity: "year");
        Assert.Equal([1, 3], years.GetProperty("periods").EnumerateArray().Select(p => p.GetProperty("participants").GetInt32()));
    }

    [Fact]
    public async Task A_report_for_a_service_that_does_not_exist_is_404()
    {
        await using var app = await TestApp.StartAsync(queueTriggers: false);
        var response = await app.Client(TestApp.ReportKey).GetAsync("/api/reports/no-such-service");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Theory]
    [InlineData("from=2026-13&to=2026-12", "from")]
    [InlineData("from=2026-01&to=26-02", "to")]
    [InlineData("from=2026-05&to=2026-01", "from")]
    [InlineData("from=2000-01&to=2026-01", "to")]
    [InlineData("from=9989-12&to=9999-12", "to")] // 121 months, one too many, at the end of the calendar
    [InlineData("from=9990-01", "from")] // after the default 'to', this month
    [InlineData("granularity=week", "granularity")]
    [InlineData("granularity=quarter&from=2026-Q5&to=2026-Q4", "from")]
    [InlineData("granularity=quarter&from=2026-Q1&to=2026-03", "to")]
    [InlineData("granularity=year&from=2010&to=2020", "to")] // eleven years: 132 months
    [InlineData("granularity=year&from=1949&to=1950", "from")]
    public async Task A_bad_range_is_refused_naming_the_parameter(string query, string field)
    {
        await using var app = await TestApp.StartAsync(queueTriggers: false);
        var response = await app.Client(TestApp.ReportKey).GetAsync($"/api/reports/demo?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Without_a_range_a_report_covers_the_last_twelve_months_four_quarters_or_three_years()
    {
        await using var app = await TestApp.StartAsync(queueTriggers: false);
        foreach (var (granularity, count) in new[] { ("month", 12), ("quarter", 4), ("year", 3) })
        {
            var report = await app.Client(TestApp.ReportKey).GetFromJsonAsync<JsonElement>($"/api/reports/demo?granularity={granularity}");
            Assert.Equal(count, report.GetProperty("periods").GetArrayLength());
        }
    }

    [Fact]
    public async Task A_range_that_ends_at_the_last_month_there_is_is_served_not_a_500()
    {
        await using var app = await TestApp.StartAsync(queueTriggers: false);
        var report = await app.Client(TestApp.ReportKey).GetFromJsonAsync<JsonElement>("/api/reports/demo?from=9990-01&to=9999-12");
        Assert.Equal(120, report.GetProperty("periods").GetArrayLength());
        Assert.Equal("9999-12", report.GetProperty("periods")[119].GetProperty("period").GetString());
    }

    [Fact]
    public async Task People_supported_peer_workers_and_staff_are_reported_apart_each_under_its_respondent()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:Reporting:MinCellSize"] = "0" });
        Dictionary<string, object?> Body(string who, params (string Instrument, IReadOnlyList<InstrumentItem> Items, int Value)[] responses) => new()
        {
            ["submissionId"] = Guid.NewGuid().ToString(), ["participantRef"] = who, ["occasion"] = "baseline", ["completedOn"] = "2026-03-02",
            ["responses"] = responses.Select(r => new { instrument = r.Instrument, answers = r.Items.ToDictionary(i => i.Id, _ => (int?)r.Value) }).ToArray(),
        };
        var sent = new[]
        {
            Body("person-1", ("hope-core", BuiltInInstruments.HopeCore.Items, 4), ("community-core", BuiltInInstruments.CommunityCore.Items, 7)),
            Body("pw-07", ("peer-worker-core", BuiltInInstruments.PeerWorkerCore.Items, 4)),
            Body("staff-3", ("staff-recovery-core", BuiltInInstruments.StaffRecoveryCore.Items, 2)),
        };
        foreach (var body in sent)
            Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(body)).StatusCode);

        var mixed = await app.SubmitAsync(Body("pw-07", ("peer-worker-core", BuiltInInstruments.PeerWorkerCore.Items, 4), ("hope-core", BuiltInInstruments.HopeCore.Items, 4)));
        Assert.Equal(HttpStatusCode.BadRequest, mixed.StatusCode);
        Assert.Contains("for peer-worker", (await mixed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("responses")[0].GetString());

        await app.WaitForStatusAsync(sent.Select(b => (string)b["submissionId"]!));
        var instruments = (await app.ReportAsync("2026-03", "2026-03")).GetProperty("periods")[0].GetProperty("instruments");
        foreach (var (key, respondent, mean) in new[]
        {
            ("hope-core@1", "person", 6 * 4 + 2 * 2.0), ("community-core@1", "person", 5 * 7.0),
            ("peer-worker-core@1", "peer-worker", 6 * 4 + 2 * 2.0), ("staff-recovery-core@1", "staff", 5 * 2 + 4.0),
        })
        {
            Assert.Equal(respondent, instruments.GetProperty(key).GetProperty("respondent").GetString());
            Assert.Equal(mean, instruments.GetProperty(key).GetProperty("occasions").GetProperty("baseline").GetProperty("mean").GetDouble());
        }
    }
}
