using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using PeerEval.Functions.Tests.Forms;
using PeerEval.Testing;
using Xunit.Abstractions;

namespace PeerEval.Functions.Tests.Dashboard;

/// <summary>The dashboard as an evaluator meets it in Chromium: signing in, choosing periods, reading plots and tables.</summary>
public sealed class DashboardBrowserTests(BrowserFixture browser, DashboardApp fixture, ITestOutputHelper output) : IClassFixture<BrowserFixture>, IClassFixture<DashboardApp>
{
    private static readonly string[] WcagTags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];
    private readonly TestApp _app = fixture.App;

    private string Url(string path) => new Uri(_app.BaseAddress, path).ToString();

    private async Task SignInAsync(IPage page, string query = "")
    {
        await page.GotoAsync(Url("/api/dashboard/demo"));
        await page.FillAsync("#key", TestApp.ReportKey);
        await page.ClickAsync("button[type=submit]");
        await page.GetByRole(AriaRole.Heading, new() { NameRegex = new("outcomes dashboard$") }).WaitForAsync();
        if (query.Length > 0)
            await page.GotoAsync(Url("/api/dashboard/demo?" + query));
    }

    private static async Task<string?> FocusedIdAsync(IPage page) => await page.EvaluateAsync<string?>("document.activeElement && document.activeElement.id");

    [Fact]
    public async Task Keyboard_alone_signs_in_and_chooses_the_periods()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(Url("/api/dashboard/demo"));
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("key", await FocusedIdAsync(page));
        await page.Keyboard.TypeAsync(TestApp.ReportKey);
        await page.Keyboard.PressAsync("Enter");
        await page.GetByRole(AriaRole.Heading, new() { NameRegex = new("outcomes dashboard$") }).WaitForAsync();
        Assert.DoesNotContain(TestApp.ReportKey, page.Url, StringComparison.Ordinal);

        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("granularity", await FocusedIdAsync(page));
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("from", await FocusedIdAsync(page));
        await page.Keyboard.PressAsync("ControlOrMeta+A");
        await page.Keyboard.TypeAsync("2026-01");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("to", await FocusedIdAsync(page));
        await page.Keyboard.PressAsync("ControlOrMeta+A");
        await page.Keyboard.TypeAsync("2026-04");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("by", await FocusedIdAsync(page));
        await page.Keyboard.PressAsync("ArrowDown"); // nothing -> team
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Show", await page.EvaluateAsync<string>("document.activeElement.textContent"));
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(new Regex("from=2026-01"));

        Assert.Contains("from=2026-01", page.Url, StringComparison.Ordinal);
        Assert.Contains("to=2026-04", page.Url, StringComparison.Ordinal);
        Assert.Equal("2026-01", await page.InputValueAsync("#from"));
        Assert.Equal(4, await page.Locator("#counts-table tbody tr").CountAsync());
        Assert.Contains("by=team", page.Url, StringComparison.Ordinal);
        Assert.Equal(4, await page.Locator("[id=\"team-ward-a-counts-table\"] tbody tr").CountAsync());
    }

    [Fact]
    public async Task Every_plot_has_its_table_and_every_table_shows_the_report_json_figure_for_figure()
    {
        var page = await browser.NewPageAsync();
        await SignInAsync(page, DashboardData.Query);
        var report = await _app.Client(TestApp.ReportKey).GetFromJsonAsync<JsonElement>("/api/reports/demo?" + DashboardData.Query);
        Assert.Equal(["ward-a", "ward-b"], report.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("value").GetString()));

        var svgs = await page.Locator("figure svg").CountAsync();
        Assert.True(svgs >= 4, $"only {svgs} plots"); // baseline, follow-up, change to follow-up, length of stay
        Assert.Equal(svgs, await page.Locator(".pair figure + .table-wrap table").CountAsync());

        var compared = 0;
        foreach (var (tableId, period, figures) in DashboardData.Tables(report))
        {
            var row = page.Locator($"[id=\"{tableId}\"] tr[data-period=\"{period}\"]");
            Assert.Equal(1, await row.CountAsync());
            foreach (var cell in await row.Locator("td[data-figure]").AllAsync())
            {
                var figure = (await cell.GetAttributeAsync("data-figure"))!;
                var text = (await cell.TextContentAsync())!.Trim();
                var value = figures is { } f && f.TryGetProperty(figure, out var v) ? v : (JsonElement?)null;
                Assert.True(DashboardData.Shows(text, value), $"{tableId} {period} {figure}: page '{text}', report {value?.GetRawText() ?? "absent"}");
                compared++;
            }
        }
        output.WriteLine($"compared {compared} figures");
        Assert.True(compared > 100, $"only {compared} figures compared");
    }

    [Fact]
    public async Task A_suppressed_period_is_a_gap_in_its_plot_that_says_why()
    {
        var page = await browser.NewPageAsync();
        await SignInAsync(page, DashboardData.Query);
        var report = await _app.ReportAsync("2026-01", "2026-04");
        var march = report.GetProperty("periods").EnumerateArray().Single(p => p.GetProperty("period").GetString() == DashboardData.SuppressedMonth);
        Assert.True(march.GetProperty("instruments").GetProperty(DashboardData.Instrument).GetProperty("occasions").GetProperty("baseline").GetProperty("suppressed").GetBoolean());

        var plot = page.Locator("svg[aria-labelledby^=\"hope-core-v1-baseline-svg-title\"]");
        Assert.Equal(1, await plot.Locator($"[data-gap=\"{DashboardData.SuppressedMonth}\"]").CountAsync());
        Assert.Equal(0, await plot.Locator($"[data-period=\"{DashboardData.SuppressedMonth}\"]").CountAsync());
        Assert.Equal($"{DashboardData.SuppressedMonth}: Suppressed: fewer than 3 people", await plot.Locator($"[data-gap=\"{DashboardData.SuppressedMonth}\"] title").TextContentAsync());

        // Every other period too: a median drawn where the report has one, a gap where it has none.
        var drawn = 0;
        foreach (var occasion in new[] { "baseline", "followup" })
            foreach (var period in report.GetProperty("periods").EnumerateArray())
            {
                var name = period.GetProperty("period").GetString();
                var median = period.GetProperty("instruments").TryGetProperty(DashboardData.Instrument, out var f) && f.GetProperty("occasions").TryGetProperty(occasion, out var cell)
                    ? cell.GetProperty("median") : (JsonElement?)null;
                var svg = page.Locator($"svg[aria-labelledby^=\"hope-core-v1-{occasion}-svg-title\"]");
                var hasMedian = median is { ValueKind: JsonValueKind.Number };
                Assert.Equal(hasMedian ? 1 : 0, await svg.Locator($"[data-period=\"{name}\"] circle").CountAsync());
                Assert.Equal(hasMedian ? 0 : 1, await svg.Locator($"[data-gap=\"{name}\"]").CountAsync());
                drawn += hasMedian ? 1 : 0;
            }
        Assert.True(drawn > 0, "no median drawn at all");

        var note = page.Locator($"[id=\"hope-core-v1-baseline-table\"] tr[data-period=\"{DashboardData.SuppressedMonth}\"] td:last-child");
        Assert.StartsWith("Suppressed: fewer than 3 people", await note.TextContentAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_in_and_dashboard_have_no_WCAG_2_2_AA_violations_at_phone_and_desktop_width()
    {
        var folder = Path.Combine(Repo.Root, "artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        var violations = new List<string>();
        foreach (var (device, width, height) in new[] { ("phone", 390, 844), ("desktop", 1280, 900) })
        {
            // axe is injected by the test; the page's own CSP would refuse it (and only it).
            var page = await browser.NewPageAsync(width, height, bypassCsp: true);
            await page.GotoAsync(Url("/api/dashboard/demo"));
            foreach (var (state, reach) in new (string, Func<Task>)[] { ("sign-in", () => Task.CompletedTask), ("page", () => SignInAsync(page, DashboardData.Query)) })
            {
                await reach();
                var result = await page.RunAxe(new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = [.. WcagTags] } });
                violations.AddRange(result.Violations.Select(v => $"{state} at {device}: {v.Id} ({v.Help}) on {string.Join(", ", v.Nodes.Select(n => n.Target.ToString()))}"));
                output.WriteLine($"{state} at {device}: {result.Passes.Length} rules passed, {result.Violations.Length} violated");
                var name = state == "page" ? $"dashboard-{device}.png" : $"dashboard-{state}-{device}.png";
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name), FullPage = true });
            }
            await page.Context.CloseAsync();
        }
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }
}
