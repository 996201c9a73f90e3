using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using PeerEval.Domain.Instruments;
using PeerEval.Testing;

namespace PeerEval.Functions.Tests.Forms;

/// <summary>Invitations bind a form to one person, occasion and set of questionnaires; forms without one are anonymous.</summary>
public sealed class InvitationTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(new Dictionary<string, string?>
    {
        ["PeerEval:Reporting:MinCellSize"] = "0",
        ["PeerEval:Invitations:Lifetime"] = "00:00:03",
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static string Today => DateTime.UtcNow.ToString("yyyy-MM-dd");

    private async Task<JsonElement> InviteAsync(object request, HttpStatusCode expected = HttpStatusCode.Created)
    {
        var response = await _app.Client(TestApp.SubmitKey).PostAsJsonAsync("/api/services/demo/invitations", request);
        Assert.Equal(expected, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The form an invitation link opens: its page, and the hidden fields the no-script post sends back.</summary>
    private async Task<(HttpResponseMessage Response, string Html, Dictionary<string, string> Hidden)> OpenAsync(string url)
    {
        var response = await _app.Client().GetAsync(new Uri(url).PathAndQuery);
        var html = await response.Content.ReadAsStringAsync();
        var hidden = Regex.Matches(html, "<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">").ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        return (response, html, hidden);
    }

    private async Task<HttpResponseMessage> PostFormAsync(Dictionary<string, string> hidden, string occasion, string? submissionId = null)
    {
        var fields = new Dictionary<string, string>(hidden) { ["occasion"] = occasion };
        if (submissionId is not null)
            fields["submissionId"] = submissionId;
        foreach (var instrument in hidden["instruments"].Split(',').Select(id => BuiltInInstruments.All.Single(i => i.Id == id)))
            foreach (var item in instrument.Items)
                fields[$"{instrument.Id}.{item.Id}"] = "4";
        return await _app.Client().PostAsync("/api/forms/demo", new FormUrlEncodedContent(fields));
    }

    [Fact]
    public async Task An_invitation_fixes_who_which_occasion_and_what_and_sends_once()
    {
        var baseline = Bodies.Hope("inv-1", "baseline", "2026-01-10", Bodies.Uniform(2));
        Assert.Equal(HttpStatusCode.Accepted, (await _app.SubmitAsync(baseline)).StatusCode);
        var invitation = await InviteAsync(new { participantRef = " inv-1 ", occasion = "followup", instruments = new[] { "hope-core" }, context = new { team = "ward-3" } });
        Assert.Matches("^[0-9a-f]{32}$", invitation.GetProperty("invitationId").GetString());
        Assert.True(invitation.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);

        var (opened, html, hidden) = await OpenAsync(invitation.GetProperty("url").GetString()!);
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        Assert.DoesNotContain("participantRef", html); // nobody types who they are
        Assert.DoesNotContain("empowerment-core", html);
        Assert.Equal("followup", hidden["occasion"]);

        var forged = await PostFormAsync(hidden, occasion: "baseline"); // a baseline slipped in would change this person's change score
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostFormAsync(hidden, occasion: "followup")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostFormAsync(hidden, occasion: "followup")).StatusCode); // the same answers again: a retry
        Assert.Equal(HttpStatusCode.Conflict, (await PostFormAsync(hidden, occasion: "followup", submissionId: Guid.NewGuid().ToString())).StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await OpenAsync(invitation.GetProperty("url").GetString()!)).Response.StatusCode);

        await _app.WaitForStatusAsync([(string)baseline["submissionId"]!, hidden["submissionId"]]);
        var year = (await _app.ReportAsync("2026", "2026", granularity: "year")).GetProperty("periods")[0];
        var change = year.GetProperty("instruments").GetProperty("hope-core@1").GetProperty("change").GetProperty("followup");
        Assert.Equal((1, 8.0), (change.GetProperty("pairs").GetInt32(), change.GetProperty("meanChange").GetDouble())); // 28 - 20: against the invited person's own baseline
        Assert.Equal(1, year.GetProperty("participants").GetInt32());
    }

    [Fact]
    public async Task An_invitation_link_works_for_its_own_service_only_and_not_after_it_expires()
    {
        await _app.Client(TestApp.AdminKey).PutAsJsonAsync("/api/manage/services/other", new { name = "Other", allowedOrigins = Array.Empty<string>(), publicForms = true });
        var url = new Uri((await InviteAsync(new { participantRef = "inv-2", occasion = "baseline" })).GetProperty("url").GetString()!);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Client().GetAsync(url.PathAndQuery.Replace("/forms/demo", "/forms/other"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Client().GetAsync(url.PathAndQuery[..^3] + "abc")).StatusCode); // a forged signature

        var (_, _, hidden) = await OpenAsync(url.ToString());
        await Task.Delay(TimeSpan.FromSeconds(3.5));
        Assert.Equal(HttpStatusCode.Gone, (await OpenAsync(url.ToString())).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await PostFormAsync(hidden, occasion: "baseline")).StatusCode);
        Assert.Empty(await _app.Table(_app.Names.Submissions).QueryAsync<Azure.Data.Tables.TableEntity>().ToListAsync());
    }

    [Fact]
    public async Task Erasing_a_person_voids_their_open_invitations()
    {
        var url = (await InviteAsync(new { participantRef = "inv-4", occasion = "baseline" })).GetProperty("url").GetString()!;
        var (_, _, hidden) = await OpenAsync(url);
        Assert.True((await _app.Client(TestApp.AdminKey).PostAsJsonAsync("/api/manage/services/demo/erasures", new { participantRef = "inv-4" })).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await OpenAsync(url)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await PostFormAsync(hidden, occasion: "baseline")).StatusCode); // a page opened before
        Assert.Empty(await _app.Table(_app.Names.Submissions).QueryAsync<Azure.Data.Tables.TableEntity>().ToListAsync());
    }

    [Fact]
    public async Task Only_a_services_own_submit_key_asks_for_invitations_and_bad_requests_name_their_field()
    {
        var problem = await InviteAsync(new { participantRef = "", occasion = "midway", instruments = new[] { "nope" } }, HttpStatusCode.BadRequest);
        Assert.Equal(["instruments[0]", "occasion", "participantRef"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(HttpStatusCode.Forbidden,
            (await _app.Client(TestApp.ReportKey).PostAsJsonAsync("/api/services/demo/invitations", new { participantRef = "x", occasion = "baseline" })).StatusCode);

        var page = await _app.Client().GetStringAsync("/api/forms/demo"); // demo allows public forms in Development
        var token = Regex.Match(page, "name=\"token\" value=\"([^\"]+)\"").Groups[1].Value;
        var formToken = _app.Client(token);
        formToken.DefaultRequestHeaders.Add("Origin", _app.BaseAddress.GetLeftPart(UriPartial.Authority));
        Assert.Equal(HttpStatusCode.Forbidden,
            (await formToken.PostAsJsonAsync("/api/services/demo/invitations", new { participantRef = "x", occasion = "baseline" })).StatusCode);
    }

    [Fact]
    public async Task A_public_form_is_anonymous_and_a_service_without_public_forms_serves_none()
    {
        var page = await _app.Client().GetStringAsync("/api/forms/demo");
        var token = Regex.Match(page, "name=\"token\" value=\"([^\"]+)\"").Groups[1].Value;
        var browser = _app.Client(token);
        browser.DefaultRequestHeaders.Add("Origin", _app.BaseAddress.GetLeftPart(UriPartial.Authority));
        var ids = new List<string>();
        foreach (var occasion in new[] { "baseline", "followup" })
        {
            var body = Bodies.Hope("ignored", occasion, Today, Bodies.Uniform(3));
            body.Remove("participantRef");
            Assert.Equal(HttpStatusCode.Accepted, (await browser.PostAsJsonAsync("/api/services/demo/submissions", body)).StatusCode);
            ids.Add((string)body["submissionId"]!);
        }
        await _app.WaitForStatusAsync(ids);
        var month = (await _app.ReportAsync(Today[..7], Today[..7])).GetProperty("periods")[0];
        Assert.Equal((2, 0), (month.GetProperty("submissions").GetInt32(), month.GetProperty("participants").GetInt32()));
        var hope = month.GetProperty("instruments").GetProperty("hope-core@1");
        Assert.Equal(1, hope.GetProperty("occasions").GetProperty("followup").GetProperty("people").GetInt32());
        Assert.Empty(hope.GetProperty("change").EnumerateObject()); // never paired

        await _app.Client(TestApp.AdminKey).PutAsJsonAsync("/api/manage/services/demo", new { name = "Demo", allowedOrigins = Array.Empty<string>() });
        await Task.Delay(100);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Client().GetAsync("/api/forms/demo")).StatusCode);
    }
}
