using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using PeerEval.Functions.Tests.Infrastructure;
using PeerEval.Testing;

namespace PeerEval.Functions.Tests.Forms;

public sealed class EmbeddedFormTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private TestApp _app = null!;
    private WebApplication _site = null!;

    public async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:Reporting:MinCellSize"] = "0" });
        _site = await BrowserFixture.StartServiceSiteAsync(_app, """data-service="demo" data-occasion="baseline" data-instruments="hope-core" """);
        await AllowOriginsAsync(BrowserFixture.Origin(_site));
    }

    public async Task DisposeAsync()
    {
        await _site.DisposeAsync();
        await _app.DisposeAsync();
    }

    private async Task AllowOriginsAsync(params string[] origins) =>
        Assert.Equal(HttpStatusCode.OK, (await _app.Client(TestApp.AdminKey).PutAsJsonAsync("/api/manage/services/demo",
            new { name = "Riverside", allowedOrigins = origins, publicForms = true })).StatusCode);

    private async Task<(IPage Page, IFrame Form, List<string> Requests)> OpenAsync(string url, int width = 1280, int height = 900)
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        var page = await context.NewPageAsync();
        var requests = new List<string>();
        page.Request += (_, request) => requests.Add(request.Url);
        await page.GotoAsync(url);
        await page.WaitForSelectorAsync("iframe");
        var frame = await (await page.QuerySelectorAsync("iframe"))!.ContentFrameAsync();
        return (page, frame!, requests);
    }

    private static async Task<string?> FocusedIdAsync(IFrame form) => await form.EvaluateAsync<string?>("document.activeElement && document.activeElement.id");

    [Fact]
    public async Task A_person_fills_the_embedded_form_by_keyboard_alone_and_it_is_counted_in_the_report()
    {
        var (page, form, requests) = await OpenAsync(BrowserFixture.Origin(_site));
        await form.WaitForSelectorAsync("#peereval-form");
        var submissionId = await form.EvaluateAsync<string>("JSON.parse(document.getElementById('peereval-config').textContent).submissionId");

        int[] answers = [4, 5, 2, 4, 3, 1, 5, 4];
        for (var i = 0; i < answers.Length; i++)
        {
            await page.Keyboard.PressAsync("Tab"); // the first from the host page into the frame
            Assert.Equal($"hope-core-h{i + 1}-1", await FocusedIdAsync(form));
            await page.Keyboard.PressAsync("Space");
            for (var step = 1; step < answers[i]; step++)
                await page.Keyboard.PressAsync("ArrowRight");
        }
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("BUTTON", await form.EvaluateAsync<string>("document.activeElement.tagName"));
        await page.Keyboard.PressAsync("Enter");
        await form.Locator("#peereval-thanks").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });

        await _app.WaitForStatusAsync([submissionId]);
        var month = DateTime.Now.ToString("yyyy-MM"); // the form dates a submission by the browser's today
        var cell = (await _app.ReportAsync(month, month)).GetProperty("periods")[0].GetProperty("instruments")
            .GetProperty("hope-core@1").GetProperty("occasions").GetProperty("baseline");
        Assert.Equal(1, cell.GetProperty("n").GetInt32());
        Assert.Equal(4 + 5 + (6 - 2) + 4 + 3 + (6 - 1) + 5 + 4, cell.GetProperty("mean").GetDouble());

        var origins = new[] { BrowserFixture.Origin(_site), _app.BaseAddress.GetLeftPart(UriPartial.Authority) };
        Assert.All(requests, url => Assert.Contains(origins, o => url.StartsWith(o, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Validation_errors_appear_next_to_their_fields_and_in_a_summary()
    {
        var (_, form, _) = await OpenAsync(BrowserFixture.Origin(_site));
        await form.WaitForSelectorAsync("#peereval-form");
        await form.CheckAsync("#hope-core-h1-3");
        await form.ClickAsync("button[type=submit]");

        var skipped = form.Locator("#hope-core > .error-message");
        await skipped.WaitForAsync();
        Assert.Contains("skipped", await skipped.InnerTextAsync());
        Assert.Equal(1, await form.Locator(".error-summary li").CountAsync());
        Assert.Equal("error-summary", await form.EvaluateAsync<string>("document.activeElement.className"));
        Assert.Empty(await _app.Table(_app.Names.Submissions).QueryAsync<Azure.Data.Tables.TableEntity>().ToListAsync());
    }

    [Fact]
    public async Task A_page_on_an_origin_the_service_did_not_list_cannot_frame_the_form_or_call_the_api()
    {
        await AllowOriginsAsync("https://riverside.example");
        var (page, form, _) = await OpenAsync(BrowserFixture.Origin(_site));
        await page.WaitForTimeoutAsync(1000);
        Assert.Equal(0, await form.Locator("#peereval-form").CountAsync());

        var api = _app.BaseAddress.GetLeftPart(UriPartial.Authority);
        var outcome = await page.EvaluateAsync<string>($$"""
            fetch('{{api}}/api/services/demo/submissions', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer x' }, body: '{}' })
              .then(r => 'answered ' + r.status, e => 'blocked')
            """);
        Assert.Equal("blocked", outcome);
    }

    [Fact]
    public async Task Screenshots_of_the_form_at_phone_and_desktop_width_are_saved()
    {
        var folder = Path.Combine(Repo.Root, "artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        foreach (var (name, width, height) in new[] { ("form-phone.png", 390, 844), ("form-desktop.png", 1280, 900) })
        {
            var url = new Uri(_app.BaseAddress, "/api/forms/demo?occasion=baseline").ToString();
            var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
            var page = await context.NewPageAsync();
            await page.GotoAsync(url);
            await page.CheckAsync("#hope-core-h1-4");
            await page.FocusAsync("#hope-core-h2-1"); // show the focus style
            var path = Path.Combine(folder, name);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
            Assert.True(new FileInfo(path).Length > 10_000, $"{name} looks empty");
        }
    }
}
