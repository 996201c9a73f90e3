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

    /// <summary>The form page and the hidden fields its no-script post sends back (token, submissionId, occasion, instruments).</summary>
    private async Task<(string Html, Dictionary<string, string> Fields)> FormAsync(string query = "occasion=discharge&instruments=hope-core")
    {
        var response = await _app.Client().GetAsync($"/api/forms/demo?{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        var hidden = Regex.Matches(html, "<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">").ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        return (html, hidden);
    }

    [Fact]
    public async Task Without_script_the_form_posts_to_the_form_endpoint_and_is_stored_like_any_submission()
    {
        var (_, fields) = await FormAsync();
        var submissionId = fields["submissionId"];
        fields["stay.admittedOn"] = "2026-01-01";
        fields["stay.dischargedOn"] = "2026-01-11";
        for (var i = 1; i <= 8; i++)
            fields[$"hope-core.h{i}"] = "3";
        var response = await _app.Client().PostAsync("/api/forms/demo", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Thank you", await response.Content.ReadAsStringAsync());
        await _app.WaitForStatusAsync([submissionId]);
        var stays = (await _app.ReportAsync("2026-01", "2026-01")).GetProperty("periods")[0].GetProperty("lengthOfStay");
        Assert.Equal(10, stays.GetProperty("meanDays").GetDouble());
    }

    [Fact]
    public async Task Without_script_errors_come_back_beside_their_fields_with_the_answers_kept()
    {
        var (_, fields) = await FormAsync();
        fields["hope-core.h1"] = "4";
        fields["stay.admittedOn"] = "2026-02-01";
        fields["stay.dischargedOn"] = "2026-01-01";
        var response = await _app.Client().PostAsync("/api/forms/demo", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("id=\"hope-core-error\">Please answer at least 7 of the 8 questions in the Hope part.", html);
        Assert.Contains("<a href=\"#stay-dischargedOn\">Date discharged: Cannot be before admittedOn.</a>", html);
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
        Assert.DoesNotMatch("src=\"https?://|<link[^>]+href=\"https?://", html); // links out, such as the crisis line's, load nothing
        Assert.Contains("<legend>I can picture a future I would like to live in.</legend>", html);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Client().GetAsync("/api/forms/unknown-service")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _app.Client().GetAsync("/api/forms/demo?instruments=nope")).StatusCode);
    }

    [Fact]
    public async Task A_chunked_body_that_declares_no_length_is_held_to_64_KiB_too()
    {
        var token = (await FormAsync()).Fields["token"];
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
        var token = (await FormAsync()).Fields["token"];
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
        var token = (await FormAsync()).Fields["token"];
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

    [Fact]
    public async Task A_browser_meets_every_refusal_as_a_page_with_help_while_a_program_gets_problem_details()
    {
        var browserLike = _app.Client();
        browserLike.DefaultRequestHeaders.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8");
        var form = new Uri(_app.BaseAddress, "/api/forms/demo?instruments=hope-core");
        browserLike.DefaultRequestHeaders.Referrer = form;

        foreach (var (response, status, heading) in new[]
        {
            (await browserLike.GetAsync("/api/forms/unknown-service"), HttpStatusCode.NotFound, "We can't open this form"),
            (await browserLike.GetAsync("/api/forms/demo?occasion=someday"), HttpStatusCode.BadRequest, "We can't open this form"),
            (await browserLike.PostAsync("/api/forms/demo", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = "pf_forged.x" })), HttpStatusCode.Forbidden, "We could not take your answers"),
            (await browserLike.PostAsync("/api/forms/demo", new StringContent("{}", System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.UnsupportedMediaType, "We could not take your answers"),
        })
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
            var html = await response.Content.ReadAsStringAsync();
            Assert.Contains($"<h1>{System.Text.Encodings.Web.HtmlEncoder.Default.Encode(heading)}</h1>", html);
            Assert.Contains("If you need support now", html);
            Assert.Equal(status is HttpStatusCode.Forbidden or HttpStatusCode.UnsupportedMediaType, html.Contains($"<a href=\"{System.Text.Encodings.Web.HtmlEncoder.Default.Encode(form.PathAndQuery)}\">Go back to the form</a>"));
        }

        var program = await _app.Client().GetAsync("/api/forms/unknown-service");
        Assert.Equal(HttpStatusCode.NotFound, program.StatusCode);
        Assert.Equal("application/problem+json", program.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task The_form_shows_the_services_own_crisis_contact_and_privacy_notice_or_sensible_defaults()
    {
        var (html, _) = await FormAsync("instruments=hope-core");
        Assert.Contains("<a href=\"tel:999\">999</a>", html);
        Assert.Contains("Samaritans: <a href=\"tel:116123\">116 123</a>", html);
        Assert.Contains("Riverside receives your answers. Its reports show only totals for groups of at least 1 people", html);
        Assert.Contains("This form does not ask who you are", html); // a public form is anonymous
        Assert.Contains("8 questions. You can leave out 1 if you would rather not answer it.", html);
        Assert.Contains(">Hope</h2>", html);

        var admin = _app.Client(TestApp.AdminKey);
        var refused = await admin.PutAsJsonAsync("/api/manage/services/demo", new
        {
            name = "Riverside", publicForms = true,
            crisisContact = new { name = "", phone = "call us", url = "http://riverside.example/help" },
            privacyNotice = new { whoSees = new string('x', 501) },
        });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(["crisisContact.name", "crisisContact.phone", "crisisContact.url", "privacyNotice.whoSees"],
            errors.EnumerateObject().Select(e => e.Name).Order().ToArray());

        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/manage/services/demo", new
        {
            name = "Riverside", publicForms = true, allowedOrigins = new[] { SiteOrigin },
            crisisContact = new { name = "Riverside crisis team", phone = "0800 555 0199", hours = "9am to 9pm" },
            privacyNotice = new { usedFor = "To plan next year's peer support." },
        })).StatusCode);
        (html, _) = await FormAsync("instruments=hope-core");
        Assert.Contains("Riverside crisis team: <a href=\"tel:08005550199\">0800 555 0199</a> (9am to 9pm).", html);
        Assert.DoesNotContain("Samaritans", html);
        Assert.Contains("To plan next year&#x27;s peer support.", html);
    }

    [Fact]
    public async Task Counts_are_typed_as_numbers_and_anything_but_a_whole_number_is_named_beside_its_question()
    {
        var (html, fields) = await FormAsync("instruments=community-core");
        Assert.Contains("<input type=\"number\" inputmode=\"numeric\" min=\"0\" max=\"28\" step=\"1\" class=\"count\" id=\"community-core-c1-value\" name=\"community-core.c1\"", html);
        Assert.Contains(">Community life</h2>", html);

        fields["community-core.c1"] = "2.5";
        foreach (var item in new[] { "c2", "c3", "c4", "c5" })
            fields[$"community-core.{item}"] = "3";
        var refused = await _app.Client().PostAsync("/api/forms/demo", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("<span class=\"error-message\" id=\"community-core-c1-error\">Must be a whole number", await refused.Content.ReadAsStringAsync());

        fields["community-core.c1"] = "12";
        Assert.Equal(HttpStatusCode.OK, (await _app.Client().PostAsync("/api/forms/demo", new FormUrlEncodedContent(fields))).StatusCode);
        await _app.WaitForStatusAsync([fields["submissionId"]]);
        var month = DateTime.UtcNow.ToString("yyyy-MM");
        var cell = (await _app.ReportAsync(month, month)).GetProperty("periods")[0].GetProperty("instruments").GetProperty("community-core@1");
        Assert.Equal(12 + 4 * 3, cell.GetProperty("occasions").GetProperty("baseline").GetProperty("mean").GetDouble());
    }
}
