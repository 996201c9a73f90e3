using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using PeerEval.Testing;

namespace PeerEval.Functions.Tests.Dashboard;

/// <summary>The dashboard's routes over HTTP: who gets in, what the session cookie is, and what the downloads hold.</summary>
public sealed partial class DashboardHttpTests(DashboardApp fixture) : IClassFixture<DashboardApp>
{
    private readonly TestApp _app = fixture.App;

    private HttpClient NoRedirects() => new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = _app.BaseAddress };

    private async Task<HttpResponseMessage> SignInAsync(string key, string service = "demo") =>
        await NoRedirects().PostAsync($"/api/dashboard/{service}/session", new FormUrlEncodedContent([new("key", key)]));

    private async Task<HttpResponseMessage> GetWithCookieAsync(string cookie, string path = "/api/dashboard/demo")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        return await NoRedirects().SendAsync(request);
    }

    [GeneratedRegex("^(peereval_dashboard=[^;]+)")]
    private static partial Regex SessionCookie();

    [Fact]
    public async Task Without_a_session_a_program_gets_401_problem_details_and_a_browser_gets_the_sign_in_form()
    {
        var program = await _app.Client().GetAsync("/api/dashboard/demo");
        Assert.Equal(HttpStatusCode.Unauthorized, program.StatusCode);
        Assert.Equal("application/problem+json", program.Content.Headers.ContentType!.MediaType);

        var request = new HttpRequestMessage(HttpMethod.Get, "/api/dashboard/demo");
        request.Headers.Accept.ParseAdd("text/html");
        var browser = await _app.Client().SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, browser.StatusCode);
        Assert.Equal("text/html", browser.Content.Headers.ContentType!.MediaType);
        var html = await browser.Content.ReadAsStringAsync();
        Assert.Contains("""<input type="password" id="key" name="key" """, html, StringComparison.Ordinal);
        Assert.Contains("""action="/api/dashboard/demo/session" """.TrimEnd(), html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signing_in_sets_a_strict_http_only_session_cookie_without_the_key_and_redirects_to_the_page()
    {
        var response = await SignInAsync(TestApp.ReportKey);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/api/dashboard/demo", response.Headers.Location!.OriginalString);
        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/api/dashboard/demo", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(TestApp.ReportKey, setCookie, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(TestApp.ReportKey)).TrimEnd('='), setCookie, StringComparison.Ordinal);

        var page = await GetWithCookieAsync(SessionCookie().Match(setCookie).Groups[1].Value, "/api/dashboard/demo?" + DashboardData.Query);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<svg", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The form's "nothing" sends an empty by: the page without a breakdown, not an error.
        var plain = await GetWithCookieAsync(SessionCookie().Match(setCookie).Groups[1].Value, "/api/dashboard/demo?granularity=month&from=2026-01&to=2026-04&by=");
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        var html = await plain.Content.ReadAsStringAsync();
        Assert.Contains("""<option value="" selected>nothing</option>""", html, StringComparison.Ordinal);
        Assert.DoesNotContain("team-ward-a-counts-table", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_key_or_one_for_other_services_gets_no_session()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync("not-a-key")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SignInAsync(TestApp.SubmitKey)).StatusCode);
        var issued = await _app.Client(TestApp.AdminKey).PostAsJsonAsync("/api/manage/keys", new { role = "report", services = new[] { "other" } });
        var secret = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        var refused = await SignInAsync(secret);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.False(refused.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task A_forged_or_tampered_session_is_no_session()
    {
        var cookie = SessionCookie().Match((await SignInAsync(TestApp.ReportKey)).Headers.GetValues("Set-Cookie").Single()).Groups[1].Value;
        var tampered = cookie[..^2] + (cookie[^2] == 'A' ? "B" : "A") + cookie[^1];
        foreach (var bad in new[] { tampered, "peereval_dashboard=abc.def", "peereval_dashboard=" })
            Assert.Equal(HttpStatusCode.Unauthorized, (await GetWithCookieAsync(bad)).StatusCode);

        var request = new HttpRequestMessage(HttpMethod.Get, "/api/dashboard/demo");
        request.Headers.Add("Cookie", tampered);
        request.Headers.Accept.ParseAdd("text/html");
        Assert.Contains("Your session has ended. Sign in again.", await (await NoRedirects().SendAsync(request)).Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoking_the_key_ends_its_sessions_at_once()
    {
        var issued = await (await _app.Client(TestApp.AdminKey).PostAsJsonAsync("/api/manage/keys", new { role = "report", services = new[] { "demo" } }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var signIn = await SignInAsync(issued.GetProperty("key").GetString()!);
        var cookie = SessionCookie().Match(signIn.Headers.GetValues("Set-Cookie").Single()).Groups[1].Value;
        Assert.Equal(HttpStatusCode.OK, (await GetWithCookieAsync(cookie)).StatusCode);

        await _app.Client(TestApp.AdminKey).DeleteAsync($"/api/manage/keys/{issued.GetProperty("keyId").GetString()}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetWithCookieAsync(cookie)).StatusCode);
    }

    [Fact]
    public async Task A_bearer_report_key_gets_a_page_that_loads_nothing_runs_no_script_and_cannot_be_framed()
    {
        var response = await _app.Client(TestApp.ReportKey).GetAsync("/api/dashboard/demo?" + DashboardData.Query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.StartsWith("default-src 'none';", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", csp, StringComparison.Ordinal);
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_downloads_are_the_reports_own_csv_and_each_plot_as_an_svg_file()
    {
        var client = _app.Client(TestApp.ReportKey);
        var html = await client.GetStringAsync("/api/dashboard/demo?" + DashboardData.Query);

        var csvLink = System.Net.WebUtility.HtmlDecode(Regex.Match(html, "href=\"(/api/dashboard/demo/figures.csv[^\"]*)\"").Groups[1].Value);
        var csv = await client.GetAsync(csvLink);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", csv.Content.Headers.ContentDisposition!.DispositionType);
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/reports/demo?" + DashboardData.Query);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        Assert.Equal(await (await client.SendAsync(request)).Content.ReadAsStringAsync(), await csv.Content.ReadAsStringAsync());

        var svgLinks = Regex.Matches(html, "href=\"(/api/dashboard/demo/plot.svg[^\"]*)\"").Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();
        Assert.Equal(Regex.Matches(html, "<figure ").Count, svgLinks.Count);
        foreach (var link in svgLinks)
        {
            var svg = await client.GetAsync(link);
            Assert.Equal(HttpStatusCode.OK, svg.StatusCode);
            Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType!.MediaType);
            Assert.EndsWith(".svg", svg.Content.Headers.ContentDisposition!.FileName!.Trim('"'), StringComparison.Ordinal);
            Assert.Equal("svg", XDocument.Parse(await svg.Content.ReadAsStringAsync()).Root!.Name.LocalName);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/dashboard/demo/plot.svg?plot=nothing&" + DashboardData.Query)).StatusCode);
    }
}
