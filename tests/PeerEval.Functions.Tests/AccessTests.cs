using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerEval.Functions.Hosting;
using PeerEval.Functions.Tests.Infrastructure;
using PeerEval.Testing;
using static PeerEval.Testing.Bodies;

namespace PeerEval.Functions.Tests;

public sealed class AccessTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(queueTriggers: false);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>Every protected route, with a request that would succeed for the right key.</summary>
    public static TheoryData<string, string, string, string> ProtectedRoutes() => new()
    {
        // method, path (service "demo" where a service is named), body, role that may
        { "POST", "/api/services/demo/submissions", JsonSerializer.Serialize(Hope("p", "baseline", "2026-01-01", Uniform(3))), "submit" },
        { "GET", "/api/services/demo/submissions/none", "", "submit" },
        { "POST", "/api/services/demo/invitations", """{ "participantRef": "p", "occasion": "baseline" }""", "submit" },
        { "POST", "/api/fhir/QuestionnaireResponse", """{ "resourceType": "QuestionnaireResponse", "status": "completed" }""", "submit" },
        { "GET", "/api/reports/demo?from=2026-01&to=2026-02", "", "report" },
        { "PUT", "/api/manage/services/demo", """{ "name": "Demo", "allowedOrigins": [] }""", "admin" },
        { "GET", "/api/manage/services/demo", "", "admin" },
        { "POST", "/api/manage/services/demo/rebuild", "", "admin" },
        { "POST", "/api/manage/services/demo/erasures", """{ "participantRef": "nobody" }""", "admin" },
        { "GET", "/api/manage/services/demo/audit", "", "admin" },
        { "POST", "/api/manage/keys", """{ "role": "report", "services": ["demo"] }""", "admin" },
        { "DELETE", "/api/manage/keys/000000000000", "", "admin" },
        { "GET", "/api/manage/poison", "", "admin" },
        { "GET", "/api/dashboard/demo", "", "report" },
        { "GET", "/api/dashboard/demo/figures.csv", "", "report" },
        { "GET", "/api/dashboard/demo/plot.svg?plot=length-of-stay", "", "report" },
        { "POST", "/api/manage/poison/replay", "", "admin" },
        { "PUT", "/api/manage/instruments/x-test", "{}", "admin" },
        { "GET", "/api/network/report?from=2026-01&to=2026-02", "", "network" },
        { "GET", "/api/network/peer-roles", "", "network" },
    };

    [Fact]
    public void Every_function_that_names_a_policy_is_in_the_table_above()
    {
        var covered = ProtectedRoutes().Select(row => ((string)row[0], ((string)row[1]).Split('?')[0])).ToList();
        foreach (var function in FunctionCatalog.HttpFunctions.Where(f => f.Policy is not null))
            foreach (var method in function.Methods.Where(m => m != "OPTIONS"))
                Assert.True(covered.Any(c => c.Item1 == method && function.Serves(method, c.Item2)), $"{method} {function.Path} ({function.Name}) has no row");
    }

    private async Task<HttpResponseMessage> SendAsync(string method, string path, string body, string? key)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body.Length > 0)
            request.Content = TestApp.Json(body);
        return await _app.Client(key).SendAsync(request);
    }

    [Theory]
    [MemberData(nameof(ProtectedRoutes))]
    public async Task Without_a_key_or_with_an_unknown_one_every_protected_route_answers_401(string method, string path, string body, string role)
    {
        _ = role;
        foreach (var key in new[] { null, "not-a-key", "dev-submit-demo-forged" })
        {
            var response = await SendAsync(method, path, body, key);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        }
    }

    [Theory]
    [MemberData(nameof(ProtectedRoutes))]
    public async Task A_key_of_the_wrong_role_gets_403_and_the_right_one_gets_through(string method, string path, string body, string role)
    {
        var keys = new Dictionary<string, string>
        {
            ["submit"] = TestApp.SubmitKey, ["report"] = TestApp.ReportKey, ["admin"] = TestApp.AdminKey, ["network"] = TestApp.NetworkKey,
        };
        var allowed = role == "submit" && method == "GET" ? new[] { "submit", "admin" } : [role];
        foreach (var (name, key) in keys)
        {
            var response = await SendAsync(method, path, body, key);
            if (allowed.Contains(name))
                Assert.True((int)response.StatusCode is not (401 or 403), $"{name} on {method} {path}: {(int)response.StatusCode}");
            else
                Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
    }

    [Fact]
    public async Task A_submit_key_for_one_service_cannot_touch_another()
    {
        var response = await _app.SubmitAsync(Hope("p", "baseline", "2026-01-01", Uniform(3)), service: "other");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _app.Client(TestApp.SubmitKey).GetAsync("/api/services/other/submissions/x")).StatusCode);
    }

    [Fact]
    public async Task A_report_key_for_service_a_never_sees_service_b_and_stops_working_once_revoked()
    {
        var admin = _app.Client(TestApp.AdminKey);
        await admin.PutAsJsonAsync("/api/manage/services/service-a", new { name = "A", allowedOrigins = Array.Empty<string>() });
        var issued = await (await admin.PostAsync("/api/manage/keys", TestApp.Json("""{ "role": "report", "services": ["service-a"] }"""))).Content.ReadFromJsonAsync<JsonElement>();
        var key = issued.GetProperty("key").GetString()!;
        var client = _app.Client(key);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/reports/service-a?from=2026-01&to=2026-01")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/reports/service-b?from=2026-01&to=2026-01")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/services/service-b/submissions/x")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/api/services/service-a/submissions", TestApp.Json("{}"))).StatusCode);

        var revoked = await admin.DeleteAsync($"/api/manage/keys/{issued.GetProperty("keyId").GetString()}");
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/reports/service-a?from=2026-01&to=2026-01")).StatusCode);
    }

    [Fact]
    public async Task Keys_are_stored_only_as_hashes()
    {
        var issued = await (await _app.Client(TestApp.AdminKey).PostAsync("/api/manage/keys", TestApp.Json("""{ "role": "submit", "services": ["demo"] }""")))
            .Content.ReadFromJsonAsync<JsonElement>();
        var secret = issued.GetProperty("key").GetString()!;
        var rows = await _app.Table(_app.Names.Keys).QueryAsync<Azure.Data.Tables.TableEntity>().ToListAsync();
        Assert.NotEmpty(rows);
        Assert.DoesNotContain(rows, row => row.RowKey == secret || row.Any(p => p.Value?.ToString()?.Contains(secret) == true));
        Assert.DoesNotContain(rows, row => row.Any(p => p.Value?.ToString() == "dev-admin"));
    }

    [Fact]
    public async Task A_submit_key_must_name_exactly_one_service()
    {
        var response = await _app.Client(TestApp.AdminKey).PostAsync("/api/manage/keys", TestApp.Json("""{ "role": "submit", "services": ["*"] }"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("services", out _));
    }

    [Fact]
    public async Task A_revoked_bootstrap_admin_key_stays_revoked_when_the_worker_restarts()
    {
        const string bootstrap = "pe_bootstrap-admin-key-for-this-test";
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(bootstrap)));
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:Auth:BootstrapAdminKeySha256"] = hash }, queueTriggers: false);
        var admin = app.Client(bootstrap);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/manage/poison")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/manage/keys/{hash[..12]}")).StatusCode);

        await app.Host.RestartWorkerAsync(); // the bootstrap runs again at every start
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.GetAsync("/api/manage/poison")).StatusCode);
    }

    [Theory]
    [InlineData("PeerEval__ParticipantKey", "dev-only-participant-key-not-secret")]
    [InlineData("PeerEval__FormSigningKey", "dev-only-form-signing-key-not-secret")]
    [InlineData("PeerEval__Auth__DevKeys__0__Key", "dev-admin")]
    public async Task Outside_development_the_app_refuses_to_start_with_a_published_development_secret(string setting, string value)
    {
        var azurite = await Azurite.InstanceAsync();
        var settings = new Dictionary<string, string> { [setting] = value, ["PeerEval__Auth__DevKeys__0__Role"] = "Admin" };
        var prefix = "t" + Guid.NewGuid().ToString("n")[..12];
        var start = AppProcess.StartAsync(azurite.ConnectionString, prefix, queueTriggers: false, settings: settings);
        await Assert.ThrowsAnyAsync<Exception>(() => start);
    }
}
