using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using PeerEval.Functions.Tests.Infrastructure;
using PeerEval.Testing;

namespace PeerEval.Functions.Tests.Forms;

/// <summary>The form without a browser: the no-script post, the origin policy and the headers.</summary>
public sealed class FormHttpTests : IAsyncLifetime
{
    private const string SiteOrigin = "https://riverside.example";
    private TestApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:Reporting:MinCellSize"] = "0" });
        await _app.Client(TestApp.AdminKey).PutAsJsonAsync("/api/manage/services/demo", new { name = "Riverside", allowedOrigins = new[] { SiteOrigin }, publicForms = true });
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<(string Html, string Token, string SubmissionId)> FormAsync(string query = "occasion=discharge&instruments=hope-core")
    {
        var response = await _app.Client().GetAsync($"/api/forms/demo?{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        string Hidden(string name) => Regex.Match(html, $"name=\"{name}\" value=\"([^\"]+)\"").Groups[1].Value;
        return (html, Hidden("token"), Hidden("submissionId"));
    }

    [Fact]
    public async Task Without_script_the_form_posts_to_the_form_endpoint_and_is_stored_like_any_submission()
    {
        var (_, token, submissionId) = await FormAsync();
        var fields = new Dictionary<string, string>
        {
            ["token"] = token, ["submissionId"] = submissionId, ["occasion"] = "discharge",
            ["stay.admittedOn"] = "2026-01-01", ["stay.dischargedOn"] = "2026-01-11",
        };
        for (var i = 1; i <= 8; i++)
            fields[$"hope-core.h{i}"] = "3";
        var client = _app.Client();
        client.DefaultRequestHeaders.Add("Origin", _app.BaseAddress.GetLeftPart(UriPartial.Authority));
        var response = await client.PostAsync("/api/forms/demo", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Thank you", await response.Content.ReadAsStringAsync());
        await _app.WaitForStatusAsync([submissionId]);
        var stays = (await _app.ReportAsync("2026-01", "2026-01")).GetProperty("periods")[0].GetProperty("lengthOfStay");
        Assert.Equal(10, stays.GetProperty("meanDays").GetDouble());
    }

    [Fact]
    public async Task Without_script_errors_come_back_beside_their_fields_with_the_answers_kept()
    {
        var (_, token, submissionId) = await FormAsync();
        var response = await _app.Client().PostAsync("/api/forms/demo", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = token, ["submissionId"] = submissionId, ["occasion"] = "discharge",
            ["hope-core.h1"] = "4", ["stay.admittedOn"] = "2026-02-01", ["stay.dischargedOn"] = "2026-01-01",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Matches("id=\"hope-core\"[^>]*>.*?class=\"error-message\"[^>]*>[^<]*skipped", html);
        Assert.Contains("id=\"stay-dischargedOn-error\">Cannot be before admittedOn.", html);
        Assert.Contains("id=\"hope-core-h1-4\" name=\"hope-core.h1\" value=\"4\" checked", html);
    }

    [Fact]
    public async Task The_form_page_can_be_framed_only_by_the_services_origins_and_loads_nothing_from_elsewhere()
    {
        var response = await _app.Client().GetAsync("/api/forms/demo");
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains($"frame-ancestors 'self' {SiteOrigin}", csp);
        Assert.Contains("default-src 'none'", csp);
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotMatch("(src|href)=\"https?://", html);
        Assert.Contains("<legend>I can picture a future I would like to live in.</legend>", html);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Client().GetAsync("/api/forms/unknown-service")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _app.Client().GetAsync("/api/forms/demo?instruments=nope")).StatusCode);
    }

    [Fact]
    public async Task A_chunked_body_that_declares_no_length_is_held_to_64_KiB_too()
    {
        var (_, token, _) = await FormAsync();
        foreach (var (path, type, body) in new[]
        {
            ("/api/forms/demo", "application/x-www-form-urlencoded", $"token={token}&submissionId=x&pad={new string('a', 100_000)}"),
            ("/api/services/demo/submissions", "application/json", $"{{ \"pad\": \"{new string('a', 100_000)}\" }}"),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(body))) };
            request.Content.Headers.ContentType = new(type);
            request.Headers.TransferEncodingChunked = true;
            request.Headers.Authorization = new("Bearer", TestApp.SubmitKey);
            var response = await _app.Client().SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }
        Assert.Empty(await _app.Table(_app.Names.Submissions).QueryAsync<Azure.Data.Tables.TableEntity>().ToListAsync());
    }

    [Fact]
    public async Task The_embed_script_is_served_for_other_sites_to_load()
    {
        var response = await _app.Client().GetAsync("/api/forms/embed.js");
        Assert.Equal("text/javascript", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("cross-origin", response.Headers.GetValues("Cross-Origin-Resource-Policy").Single());
        Assert.Contains("peereval:height", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Browsers_may_submit_only_from_listed_origins()
    {
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/services/demo/submissions");
        preflight.Headers.Add("Origin", SiteOrigin);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        var allowed = await _app.Client().SendAsync(preflight);
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal(SiteOrigin, allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());

        var stranger = _app.Client(TestApp.SubmitKey);
        stranger.DefaultRequestHeaders.Add("Origin", "https://evil.example");
        var refused = await stranger.PostAsJsonAsync("/api/services/demo/submissions", Bodies.Hope("p", "baseline", "2026-01-01", Bodies.Uniform(3)));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Empty(await _app.Table(_app.Names.Submissions).QueryAsync<Azure.Data.Tables.TableEntity>().ToListAsync());
    }

    [Fact]
    public async Task A_form_token_submits_for_its_own_service_only_and_only_from_a_browser()
    {
        var (_, token, _) = await FormAsync();
        var body = FromForm(Bodies.Hope("p", "baseline", Today, Bodies.Uniform(3)));
        Assert.Equal(HttpStatusCode.Forbidden, (await _app.SubmitAsync(body, key: token)).StatusCode); // no Origin: not a browser
        var browserLike = _app.Client(token);
        browserLike.DefaultRequestHeaders.Add("Origin", SiteOrigin);
        Assert.Equal(HttpStatusCode.Accepted, (await browserLike.PostAsJsonAsync("/api/services/demo/submissions", body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browserLike.GetAsync("/api/reports/demo")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.SubmitAsync(body, key: token[..^2] + "xx")).StatusCode);
    }

    private static string Today => DateTime.UtcNow.ToString("yyyy-MM-dd");

    /// <summary>A body as a form page sends it: the page, not the body, says who it is from.</summary>
    private static Dictionary<string, object?> FromForm(Dictionary<string, object?> body)
    {
        body.Remove("participantRef");
        return body;
    }

    [Fact]
    public async Task A_form_token_can_send_answers_dated_today_and_nothing_more()
    {
        var (_, token, _) = await FormAsync();
        var browserLike = _app.Client(token);
        browserLike.DefaultRequestHeaders.Add("Origin", SiteOrigin);

        // A record slipped in before someone's real one would change their change score.
        var backdated = await browserLike.PostAsJsonAsync("/api/services/demo/submissions", FromForm(Bodies.Hope("p", "baseline", "2024-01-01", Bodies.Uniform(3))));
        Assert.Equal(HttpStatusCode.BadRequest, backdated.StatusCode);
        Assert.True((await backdated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("completedOn", out _));
        Assert.Empty(await _app.Table(_app.Names.Submissions).QueryAsync<Azure.Data.Tables.TableEntity>().ToListAsync());

        var named = await browserLike.PostAsJsonAsync("/api/services/demo/submissions", Bodies.Hope("someone-else", "baseline", Today, Bodies.Uniform(3)));
        Assert.True((await named.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("participantRef", out _)); // a public form is anonymous

        var body = FromForm(Bodies.Hope("p", "baseline", Today, Bodies.Uniform(3)));
        Assert.Equal(HttpStatusCode.Accepted, (await browserLike.PostAsJsonAsync("/api/services/demo/submissions", body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browserLike.GetAsync($"/api/services/demo/submissions/{body["submissionId"]}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _app.Client(TestApp.SubmitKey).GetAsync($"/api/services/demo/submissions/{body["submissionId"]}")).StatusCode);
    }
}
