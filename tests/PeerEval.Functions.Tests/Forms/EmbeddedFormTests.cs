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

        // From the host page into the frame: first where to get help now, then who sees the answers, then the questions.
        foreach (var expected in new[] { "tel:999", "tel:116123", "https://www.samaritans.org", "SUMMARY" })
        {
            await page.Keyboard.PressAsync("Tab");
            Assert.Equal(expected, await form.EvaluateAsync<string>("document.activeElement.getAttribute('href') || document.activeElement.tagName"));
        }
        int[] answers = [4, 5, 2, 4, 3, 1, 5, 4];
        for (var i = 0; i < answers.Length; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            Assert.Equal($"hope-core-h{i + 1}-1", await FocusedIdAsync(form));
            await page.Keyboard.PressAsync("Space");
            for (var step = 1; step < answers[i]; step++)
                await page.Keyboard.PressAsync("ArrowRight");
            await page.Keyboard.PressAsync("Tab"); // an answered question offers to clear it
            Assert.Equal("clear", await form.EvaluateAsync<string>("document.activeElement.className"));
        }
        // Clearing takes the answer away and puts the person back on the question.
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("hope-core-h8-1", await FocusedIdAsync(form));
        Assert.Equal(0, await form.Locator("input[name='hope-core.h8']:checked").CountAsync());
        await page.Keyboard.PressAsync("Space");
        for (var step = 1; step < answers[7]; step++)
            await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("BUTTON", await form.EvaluateAsync<string>("document.activeElement.tagName"));
        Assert.Equal("send", await form.EvaluateAsync<string>("document.activeElement.className"));
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
        Assert.Equal("Please answer at least 7 of the 8 questions in the Hope part.", await skipped.InnerTextAsync());
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
    public async Task The_frame_follows_the_form_down_to_the_thank_you_message()
    {
        var (page, form, _) = await OpenAsync(BrowserFixture.Origin(_site));
        await form.WaitForSelectorAsync("#peereval-form");
        async Task<double> FrameHeightAsync() => await page.EvaluateAsync<double>("document.querySelector('iframe').getBoundingClientRect().height");
        async Task<double> ContentHeightAsync() => await form.EvaluateAsync<double>("document.body.getBoundingClientRect().height");
        await page.WaitForFunctionAsync("document.querySelector('iframe').getBoundingClientRect().height > 1000");
        Assert.InRange(await FrameHeightAsync() - await ContentHeightAsync(), -2, 2);

        for (var i = 1; i <= 8; i++)
            await form.CheckAsync($"#hope-core-h{i}-3");
        await form.ClickAsync("button.send");
        await form.Locator("#peereval-thanks").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
        await page.WaitForFunctionAsync("document.querySelector('iframe').getBoundingClientRect().height < 1000");
        Assert.InRange(await FrameHeightAsync() - await ContentHeightAsync(), -2, 2);
    }

    [Fact]
    public async Task Without_script_the_framed_and_the_direct_form_are_both_counted_in_the_report()
    {
        await _site.DisposeAsync();
        const string query = "/api/forms/demo?occasion=baseline&instruments=hope-core";
        _site = await BrowserFixture.StartServiceSiteAsync(_app, """data-service="demo" data-occasion="baseline" data-instruments="hope-core" """, noscriptForm: query);
        await AllowOriginsAsync(BrowserFixture.Origin(_site));

        var framedPage = await browser.NewPageAsync(javaScript: false);
        await framedPage.GotoAsync(BrowserFixture.Origin(_site));
        var framed = await (await framedPage.WaitForSelectorAsync("iframe"))!.ContentFrameAsync();
        var directPage = await browser.NewPageAsync(javaScript: false);
        await directPage.GotoAsync(new Uri(_app.BaseAddress, query).ToString());

        var sent = new List<string>();
        foreach (var form in new[] { framed!, directPage.MainFrame })
        {
            await form.WaitForSelectorAsync("#peereval-form");
            sent.Add(await form.InputValueAsync("input[name=submissionId]"));
            for (var i = 1; i <= 8; i++)
                await form.ClickAsync($"label[for='hope-core-h{i}-5']");
            await form.ClickAsync("button.send");
            await form.GetByRole(AriaRole.Heading, new() { Name = "Thank you" }).WaitForAsync();
            Assert.Equal(1, await form.GetByRole(AriaRole.Heading, new() { Name = "If you need support now" }).CountAsync());
        }

        await _app.WaitForStatusAsync(sent);
        var month = DateTime.UtcNow.ToString("yyyy-MM"); // without script the server dates the answers
        var cell = (await _app.ReportAsync(month, month)).GetProperty("periods")[0].GetProperty("instruments")
            .GetProperty("hope-core@1").GetProperty("occasions").GetProperty("baseline");
        Assert.Equal(2, cell.GetProperty("n").GetInt32());
        Assert.Equal(5 + 5 + 1 + 5 + 5 + 1 + 5 + 5, cell.GetProperty("mean").GetDouble());
    }

    [Fact]
    public async Task A_post_from_a_page_the_service_did_not_list_gets_a_friendly_page_and_stores_nothing()
    {
        var token = await new HttpClient().GetStringAsync(new Uri(_app.BaseAddress, "/api/forms/demo?instruments=hope-core"));
        token = System.Text.RegularExpressions.Regex.Match(token, "name=\"token\" value=\"([^\"]+)\"").Groups[1].Value;
        var fields = string.Concat(Enumerable.Range(1, 8).Select(i => $"""<input type="hidden" name="hope-core.h{i}" value="3">"""));
        await using var stranger = await BrowserFixture.StartServiceSiteAsync(_app, "data-service=\"demo\"", extraBody: $"""
            <form method="post" action="{new Uri(_app.BaseAddress, "/api/forms/demo")}">
            <input type="hidden" name="token" value="{token}"><input type="hidden" name="submissionId" value="{Guid.NewGuid()}">
            <input type="hidden" name="occasion" value="baseline"><input type="hidden" name="instruments" value="hope-core">{fields}
            <button id="copied">Send</button></form>
            """);

        var page = await browser.NewPageAsync();
        await page.GotoAsync(BrowserFixture.Origin(stranger));
        var response = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#copied"), r => r.Url.EndsWith("/api/forms/demo", StringComparison.Ordinal));
        Assert.Equal(403, response.Status);
        Assert.StartsWith("text/html", await response.HeaderValueAsync("content-type"));
        await page.GetByRole(AriaRole.Heading, new() { Name = "We could not take your answers" }).WaitForAsync();
        Assert.Contains("not one of the service's own web pages", await page.InnerTextAsync("main"));
        Assert.Equal(1, await page.GetByRole(AriaRole.Link, new() { Name = "999" }).CountAsync());
        Assert.Empty(await _app.Table(_app.Names.Submissions).QueryAsync<Azure.Data.Tables.TableEntity>().ToListAsync());
    }
}
