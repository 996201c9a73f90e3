using System.Net;
using System.Net.Http.Json;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using PeerEval.Domain.Instruments;
using PeerEval.Testing;
using Xunit.Abstractions;

namespace PeerEval.Functions.Tests.Forms;

/// <summary>
/// Every state a person can meet on the form, checked by axe-core against WCAG 2.2 A and AA, at phone
/// and desktop width, with a screenshot of each for people to look at.
/// </summary>
public sealed class FormAccessibilityTests(BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private static readonly string[] WcagTags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];
    private TestApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:Reporting:MinCellSize"] = "0" });
        Assert.Equal(HttpStatusCode.OK, (await _app.Client(TestApp.AdminKey).PutAsJsonAsync("/api/manage/services/demo", new
        {
            name = "Riverside Peer Support",
            publicForms = true,
            crisisContact = new { name = "Riverside crisis team", phone = "0800 555 0199", url = "https://riverside.example/crisis", hours = "any time" },
        })).StatusCode);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private string Url(string path) => new Uri(_app.BaseAddress, path).ToString();

    /// <summary>The states of the form, each reached the way a person reaches it.</summary>
    private IEnumerable<(string Name, Func<IPage, Task> Reach)> States()
    {
        const string form = "/api/forms/demo?occasion=baseline&instruments=hope-core,empowerment-core";
        yield return ("empty", page => page.GotoAsync(Url(form)));
        yield return ("errors", async page =>
        {
            await page.GotoAsync(Url(form));
            await page.CheckAsync("#hope-core-h1-2");
            await page.ClickAsync("button.send");
            await page.Locator(".error-summary").WaitForAsync();
        });
        // The page the server renders for a post without script (axe itself needs script, so the post bypasses form.js instead).
        yield return ("errors-no-script", async page =>
        {
            await page.GotoAsync(Url(form));
            await page.RunAndWaitForResponseAsync(() => page.EvaluateAsync("document.getElementById('peereval-form').submit()"), r => r.Request.Method == "POST");
            await page.Locator(".error-summary").WaitForAsync();
        });
        yield return ("discharge", page => page.GotoAsync(Url("/api/forms/demo?occasion=discharge&instruments=hope-core")));
        yield return ("thank-you", async page =>
        {
            await page.GotoAsync(Url("/api/forms/demo?occasion=baseline&instruments=hope-core"));
            for (var i = 1; i <= 8; i++)
                await page.CheckAsync($"#hope-core-h{i}-4");
            await page.ClickAsync("button.send");
            await page.Locator("#peereval-thanks").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
        });
        yield return ("thank-you-no-script", async page =>
        {
            await page.GotoAsync(Url("/api/forms/demo?occasion=baseline&instruments=hope-core"));
            for (var i = 1; i <= 8; i++)
                await page.CheckAsync($"#hope-core-h{i}-2");
            await page.RunAndWaitForResponseAsync(() => page.EvaluateAsync("document.getElementById('peereval-form').submit()"), r => r.Request.Method == "POST");
            await page.GetByRole(AriaRole.Heading, new() { Name = "Thank you" }).WaitForAsync();
        });
        yield return ("not-found", page => page.GotoAsync(Url("/api/forms/no-such-service")));
    }

    [Fact]
    public async Task Every_state_of_the_form_has_no_WCAG_2_2_AA_violations_at_phone_and_desktop_width()
    {
        var folder = Path.Combine(Repo.Root, "artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        var violations = new List<string>();
        foreach (var (state, reach) in States())
            foreach (var (device, width, height) in new[] { ("phone", 390, 844), ("desktop", 1280, 900) })
            {
                // axe is injected by the test; the page's own CSP would refuse it (and only it).
                var page = await browser.NewPageAsync(width, height, bypassCsp: true);
                await reach(page);
                var result = await page.RunAxe(new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = [.. WcagTags] } });
                violations.AddRange(result.Violations.Select(v => $"{state} at {device}: {v.Id} ({v.Help}) on {string.Join(", ", v.Nodes.Select(n => n.Target.ToString()))}"));
                output.WriteLine($"{state} at {device}: {result.Passes.Length} rules passed, {result.Violations.Length} violated");
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, $"form-{state}-{device}.png"), FullPage = true });
                await page.Context.CloseAsync();
            }
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public async Task Every_control_is_announced_by_the_words_a_person_sees()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(Url("/api/forms/demo?occasion=discharge&instruments=hope-core,empowerment-core"));
        foreach (var instrument in new[] { BuiltInInstruments.HopeCore, BuiltInInstruments.EmpowermentCore })
            foreach (var item in instrument.Items)
            {
                var group = page.GetByRole(AriaRole.Group, new() { Name = item.Text, Exact = true });
                Assert.Equal(1, await group.CountAsync());
                for (var value = item.Min; value <= item.Max; value++)
                    Assert.Equal(1, await group.GetByRole(AriaRole.Radio, new() { Name = instrument.LabelFor(item, value), Exact = true }).CountAsync());
            }
        await page.CheckAsync("#hope-core-h3-2");
        Assert.Equal(1, await page.GetByRole(AriaRole.Button, new() { Name = $"Clear answer to: {BuiltInInstruments.HopeCore.Items[2].Text}", Exact = true }).CountAsync());
        foreach (var name in new[] { "Date admitted", "Date discharged" })
            Assert.Equal(1, await page.GetByRole(AriaRole.Textbox, new() { Name = name, Exact = true }).CountAsync());
        Assert.Equal(1, await page.GetByRole(AriaRole.Button, new() { Name = "Send my answers", Exact = true }).CountAsync());
        Assert.Equal(1, await page.GetByRole(AriaRole.Link, new() { Name = "0800 555 0199", Exact = true }).CountAsync());
        Assert.Equal(1, await page.GetByRole(AriaRole.Link, new() { Name = "Riverside crisis team website (opens in a new tab)", Exact = true }).CountAsync());
        Assert.Equal(2, await page.GetByRole(AriaRole.Heading, new() { NameRegex = new("^Part [12] of 3: (Hope|Empowerment)$") }).CountAsync());
    }

    [Theory]
    [InlineData(320, 1)] // WCAG reflow: 1280 px at 400%
    [InlineData(640, 2)] // 1280 px at 200%
    [InlineData(1280, 1)]
    public async Task At_any_zoom_the_page_reflows_without_sideways_scrolling_and_each_scale_stays_one_row_or_one_column(int width, float scale)
    {
        var page = await browser.NewPageAsync(width, 800, scale: scale, bypassCsp: true);
        await page.GotoAsync(Url("/api/forms/demo?occasion=baseline&instruments=hope-core"));
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), "the page scrolls sideways");
        var boxes = await page.Locator("#hope-core-h1 .choice").EvaluateAllAsync<double[][]>("cs => cs.map(c => { const r = c.getBoundingClientRect(); return [r.left, r.top]; })");
        var oneRow = boxes.Select(b => Math.Round(b[1])).Distinct().Count() == 1;
        var oneColumn = boxes.Select(b => Math.Round(b[0])).Distinct().Count() == 1;
        Assert.True(oneRow ^ oneColumn, $"the scale wraps at {width} px: {string.Join(" ", boxes.Select(b => $"({b[0]:0},{b[1]:0})"))}");
        var result = await page.RunAxe(new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = [.. WcagTags] } });
        Assert.Empty(result.Violations.Select(v => v.Id));
    }
}
