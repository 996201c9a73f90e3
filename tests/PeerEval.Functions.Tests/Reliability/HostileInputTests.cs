using PeerEval.Functions.Hosting;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using PeerEval.Functions.Tests.Infrastructure;
using PeerEval.Testing;
using Xunit.Abstractions;
using static PeerEval.Testing.Bodies;

namespace PeerEval.Functions.Tests.Reliability;

/// <summary>One hostile request: what is sent, and with which key.</summary>
public sealed record HostileCase(string Name, HttpMethod Method, string Path, string? Body = null, string? ContentType = "application/json",
    string? Key = TestApp.SubmitKey, Action<HttpRequestHeaders>? Headers = null, byte[]? RawBody = null);

public sealed class HostileInputTests(ITestOutputHelper output)
{
    private const string Submit = "/api/services/demo/submissions";

    private static string Valid(Action<Dictionary<string, object?>>? change = null)
    {
        var body = Hope("hostile-person", "baseline", "2026-03-01", Uniform(3), id: "hostile-" + Guid.NewGuid().ToString("n")[..8]);
        change?.Invoke(body);
        return JsonSerializer.Serialize(body);
    }

    public static IEnumerable<HostileCase> Cases()
    {
        // Malformed JSON.
        string[] malformed =
        [
            "", " ", "{", "}", "[", "{\"submissionId\":", "{'submissionId': 'x'}", "{\"a\":1,}", "[1,2,]", "{\"a\" 1}", "nul", "tru", "NaN", "Infinity", "-Infinity",
            "{\"a\":NaN}", "{\"a\":Infinity}", "/* comment */ {}", "{} {}", "{\"a\":\"\\u12\"}", "{\"a\":\"unterminated}", "\u0000", "\u001f{}", "\"just a string\"",
            "42", "true", "null", "[]", "[{}]", "{\"a\":01}", "{\"a\":1e}", "{\"a\":.5}", "{\"a\":+1}", "{\"\\ud800\":1}", "\ufeff\ufeff{}",
        ];
        foreach (var (text, i) in malformed.Select((t, i) => (t, i)))
            yield return new($"malformed JSON #{i}", HttpMethod.Post, Submit, text);
        yield return new("nested 100 deep", HttpMethod.Post, Submit, new string('[', 100) + new string(']', 100));
        yield return new("nested 10000 deep", HttpMethod.Post, Submit, new string('[', 10000) + new string(']', 10000));
        yield return new("nested objects 64 deep", HttpMethod.Post, Submit, string.Concat(Enumerable.Repeat("{\"a\":", 64)) + "1" + new string('}', 64));
        yield return new("invalid UTF-8", HttpMethod.Post, Submit, RawBody: [0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]);

        // Wrong types for every field.
        object?[] wrongValues = [42, true, false, new[] { 1 }, new { x = 1 }, null, 1.5, "", new string('x', 5000)];
        foreach (var field in new[] { "submissionId", "participantRef", "occasion", "completedOn", "responses", "stay" })
            foreach (var (value, i) in wrongValues.Select((v, i) => (v, i)))
            {
                if (field == "stay" && value is null)
                    continue; // no stay is valid
                if (field == "participantRef" && value is string { Length: 5000 })
                    continue; // covered by the length cases below
                yield return new($"{field} as wrong value #{i}", HttpMethod.Post, Submit, Valid(b => b[field] = value));
            }

        // Huge, odd and non-integer numbers as answers.
        string[] numbers = ["1e400", "-1e400", "99999999999999999999999", "-99999999999999999999", "3.0000000001", "3.0", "-0", "2147483648", "-2147483649", "1E1", "\"NaN\"", "\"Infinity\"", "\"3\"", "[3]", "{\"v\":3}", "true"];
        foreach (var (number, i) in numbers.Select((n, i) => (n, i)))
            yield return new($"answer {number}", HttpMethod.Post, Submit, Valid().Replace("\"h1\":3", $"\"h1\":{number}"));

        // Unicode tricks and length abuse in ids.
        string[] ids = ["a\u202eb", "a\u200bb", "😀", "a\u0000b", "a/b", "a\\b", "a#b", "a?b", "a b", "ｆｕｌｌ", "e\u0301", "..", "%2e%2e", "<script>", "'; DROP TABLE x;--", new string('a', 65), new string('a', 1000), "-", "\t", "\n"];
        foreach (var (id, i) in ids.Select((t, i) => (t, i)))
            yield return new($"submissionId trick #{i}", HttpMethod.Post, Submit, Valid(b => b["submissionId"] = id));
        foreach (var (id, i) in new[] { "\u202ehope-core", "hope-core\u0000", "HOPE-CORE", "hope_core", "../hope-core", new string('h', 500) }.Select((t, i) => (t, i)))
            yield return new($"instrument id trick #{i}", HttpMethod.Post, Submit, Valid().Replace("\"hope-core\"", JsonSerializer.Serialize(id)));
        foreach (var (item, i) in new[] { "h1\u0000", "H1", "h01", "h9", "__proto__", "constructor", "h1 ", "" }.Select((t, i) => (t, i)))
            yield return new($"item id trick #{i}", HttpMethod.Post, Submit, Valid().Replace("\"h8\":3", $"{JsonSerializer.Serialize(item)}:3"));
        yield return new("participantRef too long", HttpMethod.Post, Submit, Valid(b => b["participantRef"] = new string('p', 201)));
        yield return new("participantRef blank", HttpMethod.Post, Submit, Valid(b => b["participantRef"] = "   "));

        // Dates.
        foreach (var (date, i) in new[] { "2026-13-01", "2026-02-30", "0000-01-01", "9999-12-31", "2026-1-1", "2026/01/01", "20260101", "2026-01-01T00:00:00Z", "1949-12-31", "yesterday" }.Select((t, i) => (t, i)))
            yield return new($"completedOn {date}", HttpMethod.Post, Submit, Valid(b => b["completedOn"] = date));

        // Path traversal and odd route values.
        string[] paths =
        [
            "/api/services/../admin/keys", "/api/services/%2e%2e/submissions", "/api/services/demo%2F..%2Fadmin/submissions", "/api/services/DEMO/submissions",
            "/api/services/de mo/submissions", "/api/services/%00/submissions", "/api/services/demo%00/submissions", "/api/services/-demo/submissions",
            "/api/services/" + new string('d', 100) + "/submissions", "/api/services//submissions", "/api/services/demo/submissions/../../../admin/keys",
            "/api/services/demo/submissions/%2e%2e%2f%2e%2e", "/api/services/demo/submissions/a%2Fb", "/api/reports/..%2F..%2Fkeys", "/api/reports/%2A",
            "/api/instruments/..%2F..%2Fetc%2Fpasswd", "/api/instruments/%00", "/api/forms/..%2Fadmin", "/api/manage/keys/..%2F..", "/api/manage/services/a%2Fb",
        ];
        foreach (var (path, i) in paths.Select((p, i) => (p, i)))
        {
            var method = path.Contains("/submissions") && !path.Contains("submissions/") ? HttpMethod.Post : HttpMethod.Get;
            yield return new($"path #{i} {path}", method, path, method == HttpMethod.Post ? Valid() : null);
        }

        // Missing and duplicated fields.
        foreach (var field in new[] { "submissionId", "participantRef", "occasion", "completedOn", "responses" })
            yield return new($"missing {field}", HttpMethod.Post, Submit, Valid(b => b.Remove(field)));
        foreach (var field in new[] { "submissionId", "participantRef", "occasion", "completedOn", "responses" })
            yield return new($"duplicated {field}", HttpMethod.Post, Submit, Valid().TrimEnd('}') + $",\"{field}\":\"x\"}}");
        yield return new("duplicated answer", HttpMethod.Post, Submit, Valid().Replace("\"h1\":3", "\"h1\":3,\"h1\":4"));
        yield return new("duplicated instrument", HttpMethod.Post, Submit, Valid().Replace("\"responses\":[", "\"responses\":[{\"instrument\":\"hope-core\",\"answers\":{\"h1\":3,\"h2\":3,\"h3\":3,\"h4\":3,\"h5\":3,\"h6\":3,\"h7\":3,\"h8\":3}},"));
        yield return new("extra top-level field", HttpMethod.Post, Submit, Valid(b => b["note"] = "she said she felt awful"));
        yield return new("extra response field", HttpMethod.Post, Submit, Valid().Replace("\"instrument\":", "\"comment\":\"x\",\"instrument\":"));
        yield return new("21 responses", HttpMethod.Post, Submit, Valid(b => b["responses"] = Enumerable.Repeat(new { instrument = "hope-core", answers = new { } }, 21)));

        // Oversized bodies.
        foreach (var size in new[] { 65 * 1024, 200 * 1024, 1024 * 1024, 3 * 1024 * 1024 })
            yield return new($"body of {size} bytes", HttpMethod.Post, Submit, Valid(b => b["participantRef"] = new string('x', size)));

        // Wrong content types.
        foreach (var type in new[] { "text/plain", "text/html", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/jsonx", "application/octet-stream", null })
            yield return new($"content type {type ?? "none"}", HttpMethod.Post, Submit, Valid(), type);

        // Header abuse, replayed and forged keys.
        yield return new("Bearer with no key", HttpMethod.Post, Submit, Valid(), Key: null, Headers: h => h.TryAddWithoutValidation("Authorization", "Bearer"));
        yield return new("Basic auth", HttpMethod.Post, Submit, Valid(), Key: null, Headers: h => h.TryAddWithoutValidation("Authorization", "Basic ZGV2LWFkbWluOg=="));
        yield return new("two Authorization headers", HttpMethod.Post, Submit, Valid(), Key: null, Headers: h =>
        {
            h.TryAddWithoutValidation("Authorization", "Bearer dev-report-all");
            h.TryAddWithoutValidation("Authorization", "Bearer dev-submit-demo");
        });
        yield return new("key of 10 KB", HttpMethod.Post, Submit, Valid(), Key: new string('k', 10_000));
        yield return new("key of 100 KB header", HttpMethod.Post, Submit, Valid(), Key: new string('k', 100_000));
        yield return new("key with different case", HttpMethod.Post, Submit, Valid(), Key: "DEV-SUBMIT-DEMO");
        yield return new("key with a suffix", HttpMethod.Post, Submit, Valid(), Key: "dev-submit-demo2");
        yield return new("key prefix only", HttpMethod.Post, Submit, Valid(), Key: "dev-submit");
        yield return new("report key submitting", HttpMethod.Post, Submit, Valid(), Key: TestApp.ReportKey);
        yield return new("admin key submitting", HttpMethod.Post, Submit, Valid(), Key: TestApp.AdminKey);
        yield return new("submit key for another service", HttpMethod.Post, "/api/services/other/submissions", Valid());
        yield return new("forged form token", HttpMethod.Post, Submit, Valid(), Key: "pf_ZGVtb3w5OTk5OTk5OTk5.AAAA");
        yield return new("form token with no signature", HttpMethod.Post, Submit, Valid(), Key: "pf_ZGVtb3w5OTk5OTk5OTk5");
        yield return new("form token garbage", HttpMethod.Post, Submit, Valid(), Key: "pf_%%%.%%%");
        yield return new("hash of a key as the key", HttpMethod.Post, Submit, Valid(), Key: PeerEval.Functions.Auth.ApiKeyStore.Hash(TestApp.SubmitKey));
        yield return new("non-ASCII key", HttpMethod.Post, Submit, Valid(), Key: null, Headers: h => h.TryAddWithoutValidation("Authorization", "Bearer dév-submit-demo"));
        yield return new("control character in key", HttpMethod.Post, Submit, Valid(), Key: null, Headers: h => h.TryAddWithoutValidation("Authorization", "Bearer dev-submit-demo\u0001"));
        yield return new("header of 64 KB", HttpMethod.Post, Submit, Valid(), Headers: h => h.TryAddWithoutValidation("X-Padding", new string('x', 64 * 1024)));
        yield return new("disallowed origin", HttpMethod.Post, Submit, Valid(), Headers: h => h.TryAddWithoutValidation("Origin", "https://evil.example"));
        yield return new("null origin", HttpMethod.Post, Submit, Valid(), Headers: h => h.TryAddWithoutValidation("Origin", "null"));

        // Intake hardening: invitations, public forms, dates, context.
        const string Invite = "/api/services/demo/invitations";
        yield return new("invitation without a person", HttpMethod.Post, Invite, """{ "occasion": "baseline" }""");
        yield return new("invitation for a blank person", HttpMethod.Post, Invite, """{ "participantRef": " ", "occasion": "baseline" }""");
        yield return new("invitation with six instruments", HttpMethod.Post, Invite, """{ "participantRef": "p", "occasion": "baseline", "instruments": ["hope-core","hope-core","a","b","c","d"] }""");
        yield return new("invitation with free text", HttpMethod.Post, Invite, """{ "participantRef": "p", "occasion": "baseline", "note": "struggling" }""");
        yield return new("invitation with a name as team", HttpMethod.Post, Invite, """{ "participantRef": "p", "occasion": "baseline", "context": { "team": "Dr Jones" } }""");
        yield return new("invitation from a report key", HttpMethod.Post, Invite, """{ "participantRef": "p", "occasion": "baseline" }""", Key: TestApp.ReportKey);
        yield return new("invitation for another service", HttpMethod.Post, "/api/services/other/invitations", """{ "participantRef": "p", "occasion": "baseline" }""");
        foreach (var link in new[] { "x", "x.y", "0123456789abcdef0123456789abcdef.AAAA", "%00.%00", new string('a', 5000) })
            yield return new($"invitation link {link[..Math.Min(link.Length, 12)]}", HttpMethod.Get, "/api/forms/demo?invitation=" + link, Key: null);
        yield return new("completedOn before 2000", HttpMethod.Post, Submit, Valid(b => b["completedOn"] = "1999-12-31"));
        yield return new("context with free text", HttpMethod.Post, Submit, Valid(b => b["context"] = new { team = "ward-3", notes = "x" }));
        yield return new("context with a bad setting", HttpMethod.Post, Submit, Valid(b => b["context"] = new { setting = "home" }));

        // Reports and admin with hostile input.
        foreach (var (query, i) in new[] { "from=9999-99", "from=2026-00", "to=2026-1", "from=2026-01&to=2025-01", "from=1000-01&to=9999-12", "from=%00", "from=2026-01&from=2026-02", "to='; DROP", "from=" + new string('9', 1000) }.Select((q, i) => (q, i)))
            yield return new($"report query #{i}", HttpMethod.Get, "/api/reports/demo?" + query, Key: TestApp.ReportKey);
        yield return new("key with unknown role", HttpMethod.Post, "/api/manage/keys", """{ "role": "root", "services": ["demo"] }""", Key: TestApp.AdminKey);
        yield return new("key with role as number", HttpMethod.Post, "/api/manage/keys", """{ "role": 7, "services": ["demo"] }""", Key: TestApp.AdminKey);
        yield return new("key for a bad service", HttpMethod.Post, "/api/manage/keys", """{ "role": "report", "services": ["../x"] }""", Key: TestApp.AdminKey);
        yield return new("service with a bad origin", HttpMethod.Put, "/api/manage/services/demo", """{ "allowedOrigins": ["javascript:alert(1)"] }""", Key: TestApp.AdminKey);
        yield return new("service with a path origin", HttpMethod.Put, "/api/manage/services/demo", """{ "allowedOrigins": ["https://x.example/path"] }""", Key: TestApp.AdminKey);
        yield return new("instrument with 1000 items", HttpMethod.Put, "/api/manage/instruments/big",
            JsonSerializer.Serialize(new { id = "big", version = 1, title = "Big", higherIsBetter = true, items = Enumerable.Range(0, 1000).Select(i => new { id = $"i{i}", text = "x", min = 0, max = 1 }), scoring = new { method = "sum", prorateMaxMissing = 0 } }), Key: TestApp.AdminKey);
        yield return new("instrument with NaN reliability", HttpMethod.Put, "/api/manage/instruments/nan",
            """{ "id": "nan", "version": 1, "title": "N", "higherIsBetter": true, "items": [ { "id": "a", "text": "A", "min": 0, "max": 1 } ], "scoring": { "method": "sum", "prorateMaxMissing": 0 }, "reliableChange": { "sd": "NaN", "reliability": 0.5 } }""", Key: TestApp.AdminKey);
        yield return new("instrument with unknown method", HttpMethod.Put, "/api/manage/instruments/m",
            """{ "id": "m", "version": 1, "title": "M", "higherIsBetter": true, "items": [ { "id": "a", "text": "A", "min": 0, "max": 1 } ], "scoring": { "method": "median", "prorateMaxMissing": 0 } }""", Key: TestApp.AdminKey);
        yield return new("erasure with no ref", HttpMethod.Post, "/api/manage/services/demo/erasures", "{}", Key: TestApp.AdminKey);

        // The dashboard: programs (no `Accept: text/html`) get problem details, whatever the session or sign-in.
        const string Dashboard = "/api/dashboard/demo";
        yield return new("dashboard without a key", HttpMethod.Get, Dashboard, Key: null);
        yield return new("dashboard with a forged session", HttpMethod.Get, Dashboard, Key: null, Headers: h => h.TryAddWithoutValidation("Cookie", "peereval_dashboard=ZGVtbw.AAAA"));
        yield return new("dashboard with a submit key", HttpMethod.Get, Dashboard);
        yield return new("dashboard for a bad service", HttpMethod.Get, "/api/dashboard/..%2Fkeys", Key: TestApp.ReportKey);
        foreach (var (query, i) in new[] { "from=9999-99", "granularity=week", "from=1000-01&to=9999-12", "plot=%00", "plot=" + new string('p', 5000) }.Select((q, i) => (q, i)))
            yield return new($"dashboard plot query #{i}", HttpMethod.Get, $"{Dashboard}/plot.svg?{query}", Key: TestApp.ReportKey);
        yield return new("dashboard csv with a bad range", HttpMethod.Get, $"{Dashboard}/figures.csv?from=2026-05&to=2026-01", Key: TestApp.ReportKey);
        const string Session = Dashboard + "/session";
        yield return new("sign-in as JSON", HttpMethod.Post, Session, $$"""{ "key": "{{TestApp.ReportKey}}" }""", Key: null);
        yield return new("sign-in with no key", HttpMethod.Post, Session, "key=", "application/x-www-form-urlencoded", Key: null);
        yield return new("sign-in with a 10 KB key", HttpMethod.Post, Session, "key=" + new string('k', 10_000), "application/x-www-form-urlencoded", Key: null);
        yield return new("sign-in with a form token", HttpMethod.Post, Session, "key=pf_ZGVtb3w5OTk5OTk5OTk5.AAAA", "application/x-www-form-urlencoded", Key: null);
        yield return new("sign-in with a submit key", HttpMethod.Post, Session, "key=" + TestApp.SubmitKey, "application/x-www-form-urlencoded", Key: null);
        yield return new("sign-in from another site", HttpMethod.Post, Session, "key=" + TestApp.ReportKey, "application/x-www-form-urlencoded", Key: null,
            Headers: h => h.TryAddWithoutValidation("Origin", "https://evil.example"));
        yield return new("sign-in of 200 KB", HttpMethod.Post, Session, "key=" + new string('k', 200 * 1024), "application/x-www-form-urlencoded", Key: null);
        yield return new("form post without a token", HttpMethod.Post, "/api/forms/demo", "participantRef=x", "application/x-www-form-urlencoded", Key: null);
        yield return new("form post with a forged token", HttpMethod.Post, "/api/forms/demo", "token=pf_abc.def&participantRef=x", "application/x-www-form-urlencoded", Key: null);
    }

    [Fact]
    public async Task Hundreds_of_hostile_requests_get_4xx_problem_details_and_leave_nothing_behind_while_real_submissions_count_once()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["PeerEval:RateLimit:PermitsPerMinute"] = "0",
            ["PeerEval:Reporting:MinCellSize"] = "0",
        }, queueTriggers: false);
        await app.Client(TestApp.AdminKey).PutAsync("/api/manage/services/demo", TestApp.Json("""{ "allowedOrigins": ["https://riverside.example"] }"""));

        var genuine = Enumerable.Range(0, 20).Select(i => Hope($"genuine-{i % 7}", i % 3 == 0 ? "followup" : "baseline", $"2026-03-{i + 1:D2}", Uniform(1 + i % 5))).ToList();
        var cases = Cases().ToList();
        var failures = new List<string>();
        // UTF-8 headers, so a non-ASCII key reaches the server instead of being refused by the client.
        using var client = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 }) { BaseAddress = app.BaseAddress };
        for (var i = 0; i < cases.Count; i++)
        {
            // Real submissions arrive among the hostile ones, each sent twice.
            if (i % 12 == 0 && i / 12 < genuine.Count)
                foreach (var _ in new[] { 1, 2 })
                    Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(genuine[i / 12])).StatusCode);

            var hostile = cases[i];
            using var request = new HttpRequestMessage(hostile.Method, hostile.Path);
            if (hostile.RawBody is not null || hostile.Body is not null)
            {
                request.Content = new ByteArrayContent(hostile.RawBody ?? Encoding.UTF8.GetBytes(hostile.Body!));
                if (hostile.ContentType is not null)
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", hostile.ContentType);
            }
            if (hostile.Key is not null)
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + hostile.Key);
            hostile.Headers?.Invoke(request.Headers);

            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(request);
            }
            catch (HttpRequestException e)
            {
                failures.Add($"{hostile.Name}: connection failed ({e.Message})");
                continue;
            }
            var status = (int)response.StatusCode;
            var media = response.Content.Headers.ContentType?.MediaType;
            // Kestrel refuses some requests itself (headers too large, oversized bodies, a NUL in the path)
            // before any middleware runs, and the Functions host answers a path no function's route
            // matches with its own 404: both with an empty body.
            var fromServer = status is 400 or 404 or 413 or 431 && response.Content.Headers.ContentLength == 0
                && (status != 404 || !FunctionCatalog.HttpFunctions.Any(f => f.Serves(response.RequestMessage!.Method.Method, response.RequestMessage.RequestUri!.AbsolutePath)));
            if (status is < 400 or >= 500)
                failures.Add($"{hostile.Name}: {status}");
            else if (media != "application/problem+json" && !fromServer)
                failures.Add($"{hostile.Name}: {status} as {media ?? "no content type"}");
        }

        output.WriteLine($"tried {cases.Count} hostile cases; {failures.Count} failed");
        Assert.True(cases.Count >= 200, $"only {cases.Count} hostile cases");
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // Only the genuine submissions were stored; then aggregate them and compare with a rebuild.
        var stored = await app.Table(app.Names.Submissions).QueryAsync<TableEntity>().Select(r => r.RowKey).ToListAsync();
        Assert.Equal(genuine.Select(b => (string)b["submissionId"]!).Order(), stored.Order());
        await using (var aggregator = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:Reporting:MinCellSize"] = "0" }, prefix: app.Prefix, keepStorage: true))
        {
            await aggregator.WaitForStatusAsync(stored);
            await AggregationTests.WaitForEmptyQueueAsync(aggregator);
        }
        var report = await AggregationTests.ReportTextAsync(app);
        var years = JsonDocument.Parse(report).RootElement.GetProperty("year").GetProperty("periods").EnumerateArray();
        Assert.Equal(20, years.Sum(p => p.GetProperty("submissions").GetInt32()));
        await app.Client(TestApp.AdminKey).PostAsync("/api/manage/services/demo/rebuild", null);
        Assert.Equal(report, await AggregationTests.ReportTextAsync(app));
    }
}
