using System.Globalization;
using System.Net;
using System.Text.Json;
using PeerEval.Testing;
using static PeerEval.Testing.Bodies;

namespace PeerEval.Functions.Tests.Dashboard;

/// <summary>One app with <see cref="DashboardData"/> for a test class: seeding it is the slow part.</summary>
public sealed class DashboardApp : IAsyncLifetime
{
    public TestApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await DashboardData.StartAsync();

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>
/// A service with figures worth drawing (k = 3): four people at baseline with stays in January, their
/// follow-ups in February, and two people at baseline in March, which is suppressed. Odd-numbered
/// people are on team ward-a, even-numbered on ward-b; the page is shown broken down by team.
/// </summary>
public static class DashboardData
{
    public const string Query = "granularity=month&from=2026-01&to=2026-04&by=team";
    public const string Instrument = "hope-core@1";
    public const string SuppressedMonth = "2026-03";

    public static async Task<TestApp> StartAsync()
    {
        var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:Reporting:MinCellSize"] = "3" });
        var bodies = Enumerable.Range(1, 4).SelectMany(p => new[]
        {
            Hope($"p{p}", "baseline", "2026-01-10", Uniform(1 + p % 4), new { admittedOn = "2026-01-01", dischargedOn = $"2026-01-{10 + 3 * p:D2}" }),
            Hope($"p{p}", "followup", "2026-02-10", Uniform(2 + p % 3)),
        }).Concat(Enumerable.Range(5, 2).Select(p => Hope($"p{p}", "baseline", "2026-03-05", Uniform(p - 3)))).ToList();
        foreach (var body in bodies)
            body["context"] = new { team = ((string)body["participantRef"]!)[1] % 2 == 1 ? "ward-a" : "ward-b" };
        foreach (var body in bodies)
            Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(body)).StatusCode);
        await app.WaitForStatusAsync(bodies.Select(b => (string)b["submissionId"]!));
        return app;
    }

    /// <summary>Each figure table the page should have, by its id, with the JSON figure group of each of its periods: the service's, then each part's.</summary>
    public static IEnumerable<(string TableId, string Period, JsonElement? Figures)> Tables(JsonElement report) =>
        Tables(report.GetProperty("periods"), "").Concat(report.TryGetProperty("groups", out var groups)
            ? groups.EnumerateArray().SelectMany(g => Tables(g.GetProperty("periods"), $"{g.GetProperty("by")}-{g.GetProperty("value")}-"))
            : []);

    private static IEnumerable<(string TableId, string Period, JsonElement? Figures)> Tables(JsonElement periodsArray, string prefix)
    {
        var periods = periodsArray.EnumerateArray().ToList();
        foreach (var p in periods)
            yield return ($"{prefix}counts-table", p.GetProperty("period").GetString()!, p);
        foreach (var p in periods.Where(_ => periods.Any(q => q.GetProperty("lengthOfStay").GetProperty("stays").GetInt64() > 0)))
            yield return ($"{prefix}length-of-stay-table", p.GetProperty("period").GetString()!, p.GetProperty("lengthOfStay"));
        var instruments = periods.SelectMany(p => p.GetProperty("instruments").EnumerateObject().Select(i => i.Name)).Distinct();
        foreach (var instrument in instruments)
        {
            var slug = instrument.Replace("@", "-v", StringComparison.Ordinal);
            foreach (var group in new[] { "occasions", "change" })
            {
                var names = periods.SelectMany(p => p.GetProperty("instruments").TryGetProperty(instrument, out var f) ? f.GetProperty(group).EnumerateObject().Select(o => o.Name) : []).Distinct();
                foreach (var name in names)
                    foreach (var p in periods)
                        yield return ($"{prefix}{slug}-{(group == "change" ? "change-" : "")}{name}-table", p.GetProperty("period").GetString()!,
                            p.GetProperty("instruments").TryGetProperty(instrument, out var f) && f.GetProperty(group).TryGetProperty(name, out var figures) ? figures : null);
            }
        }
    }

    /// <summary>Whether a table cell shows the JSON value: the same number, or empty for null (or for a group the period lacks).</summary>
    public static bool Shows(string cell, JsonElement? value) => value switch
    {
        null or { ValueKind: JsonValueKind.Null } => cell.Length == 0,
        { ValueKind: JsonValueKind.Number } v => cell.Length > 0 && double.Parse(cell, CultureInfo.InvariantCulture) == v.GetDouble(),
        _ => false,
    };
}
