using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerEval.Testing;

namespace PeerEval.Functions.Tests;

public sealed class NetworkTests
{
    private const int K = 5;

    /// <summary>Twelve services, small and large; eight share with the network, four do not.</summary>
    private static readonly (string Id, int People, bool Shares)[] Services =
    [
        ("net-01", 2, true), ("net-02", 3, true), ("net-03", 12, true), ("net-04", 4, true),
        ("net-05", 20, true), ("net-06", 1, true), ("net-07", 6, true), ("net-08", 3, true),
        ("net-09", 15, false), ("net-10", 2, false), ("net-11", 8, false), ("net-12", 5, false),
    ];

    /// <summary>One person's submissions, and the figures a plain calculation expects of them.</summary>
    private sealed record Person(string Service, int Baseline, int? Followup, int? StayDays, List<Dictionary<string, object?>> Bodies);

    private static Person PersonOf(string service, int index)
    {
        var random = new Random(service.Sum(c => c) * 1000 + index);
        int[] Answers() => Enumerable.Range(0, 8).Select(_ => random.Next(1, 6)).ToArray();
        // hope-core is a sum of eight 1-5 items, h3 and h6 reversed.
        static int Score(int[] a) => a.Select((v, i) => i is 2 or 5 ? 6 - v : v).Sum();
        var reference = $"{service}-person-{index}";
        var baseline = Answers();
        var stayDays = index % 3 == 0 ? 16 + index % 20 : (int?)null; // admitted 2025-12-20, discharged in January
        var bodies = new List<Dictionary<string, object?>>
        {
            Bodies.Hope(reference, "baseline", $"2026-01-{1 + index % 28:D2}", baseline,
                stayDays is { } days ? new { admittedOn = "2025-12-20", dischargedOn = new DateOnly(2025, 12, 20).AddDays(days).ToString("yyyy-MM-dd") } : null),
        };
        int? followup = null;
        if (index % 4 != 1)
        {
            var answers = Answers();
            followup = Score(answers);
            bodies.Add(Bodies.Hope(reference, "followup", $"2026-02-{1 + index % 28:D2}", answers));
        }
        return new Person(service, Score(baseline), followup, stayDays, bodies);
    }

    private static async Task PutServiceAsync(TestApp app, string id, bool shares, object? peerRoles = null) =>
        Assert.Equal(HttpStatusCode.OK, (await app.Client(TestApp.AdminKey).PutAsJsonAsync($"/api/manage/services/{id}",
            new { name = $"Service {id}", allowedOrigins = Array.Empty<string>(), shareWithNetwork = shares, peerRoles = peerRoles ?? Array.Empty<object>() })).StatusCode);

    /// <summary>Waits until both queues are empty: every submission folded into its service and every month into the pool.</summary>
    private static async Task DrainAsync(TestApp app)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var counts = await Task.WhenAll(new[] { app.Names.SubmissionQueue, app.Names.NetworkQueue }
                .Select(async q => (await app.Queue(q).GetPropertiesAsync()).Value.ApproximateMessagesCount));
            if (counts.All(c => c == 0))
                return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Queues still hold {string.Join(", ", counts)} messages.");
            await Task.Delay(100);
        }
    }

    private static async Task<JsonElement> NetworkReportAsync(TestApp app, string query = "from=2026-01&to=2026-02") =>
        await app.Client(TestApp.NetworkKey).GetFromJsonAsync<JsonElement>($"/api/network/report?{query}");

    private static string Figures(JsonElement report) => report.GetProperty("periods").GetRawText();

    [Fact]
    public async Task The_network_report_pools_exactly_the_sharing_services_and_joining_or_leaving_moves_exactly_one_service()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:Reporting:MinCellSize"] = K.ToString() });
        var people = new List<Person>();
        foreach (var (id, count, shares) in Services)
        {
            await PutServiceAsync(app, id, shares, new[] { new { setting = "community", sector = "voluntary", posts = 2, fte = 1.5 } });
            var issued = await (await app.Client(TestApp.AdminKey).PostAsJsonAsync("/api/manage/keys", new { role = "submit", services = new[] { id } }))
                .Content.ReadFromJsonAsync<JsonElement>();
            var key = issued.GetProperty("key").GetString()!;
            var persons = Enumerable.Range(0, count).Select(i => PersonOf(id, i)).ToList();
            foreach (var body in persons.SelectMany(p => p.Bodies))
                Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(body, id, key)).StatusCode);
            await app.WaitForStatusAsync(persons.SelectMany(p => p.Bodies).Select(b => (string)b["submissionId"]!), service: id);
            people.AddRange(persons);
        }
        await DrainAsync(app);

        var sharing = Services.Where(s => s.Shares).Select(s => s.Id).ToHashSet();
        var report = await NetworkReportAsync(app);
        Assert.Equal("network", report.GetProperty("serviceId").GetString());
        AssertPooled(report, people.Where(p => sharing.Contains(p.Service)).ToList());

        // Folding a month again, however often, and rebuilding a sharing service change nothing.
        var before = Figures(report);
        foreach (var _ in Enumerable.Range(0, 10))
            await app.Queue(app.Names.NetworkQueue).SendMessageAsync("""{ "serviceId": "net-05", "month": "2026-01" }""");
        Assert.Equal(HttpStatusCode.OK, (await app.Client(TestApp.AdminKey).PostAsync("/api/manage/services/net-03/rebuild", null)).StatusCode);
        await DrainAsync(app);
        Assert.Equal(before, Figures(await NetworkReportAsync(app)));

        // A service that joins brings exactly its own figures; when it leaves, the pool is as it was.
        await PutServiceAsync(app, "net-09", shares: true);
        await DrainAsync(app);
        sharing.Add("net-09");
        AssertPooled(await NetworkReportAsync(app), people.Where(p => sharing.Contains(p.Service)).ToList());
        await PutServiceAsync(app, "net-09", shares: false);
        await DrainAsync(app);
        Assert.Equal(before, Figures(await NetworkReportAsync(app)));
    }

    /// <summary>The pooled figures against a plain calculation over the given people's scores.</summary>
    private static void AssertPooled(JsonElement report, List<Person> people)
    {
        var (january, february) = (report.GetProperty("periods")[0], report.GetProperty("periods")[1]);
        Assert.Equal(people.Count, january.GetProperty("submissions").GetInt32());
        Assert.Equal(people.Count, january.GetProperty("participants").GetInt32());
        var withFollowup = people.Where(p => p.Followup is not null).ToList();
        Assert.Equal(withFollowup.Count, february.GetProperty("submissions").GetInt32());

        var hope = january.GetProperty("instruments").GetProperty("hope-core@1");
        AssertSummary(hope.GetProperty("occasions").GetProperty("baseline"), people.Select(p => (double)p.Baseline).ToList(), "n", "mean", "sd", "median", "q1", "q3");
        var changes = withFollowup.Select(p => (double)(p.Followup!.Value - p.Baseline)).ToList();
        var change = february.GetProperty("instruments").GetProperty("hope-core@1").GetProperty("change").GetProperty("followup");
        AssertSummary(change, changes, "pairs", "meanChange", "sdChange", null, null, null);
        var threshold = 1.96 * 6.0 * Math.Sqrt(2) * Math.Sqrt(1 - 0.85);
        Assert.Equal(changes.Count(c => c > threshold), change.GetProperty("reliablyImproved").GetInt32());
        Assert.Equal(changes.Count(c => c < -threshold), change.GetProperty("reliablyDeteriorated").GetInt32());
        AssertSummary(january.GetProperty("lengthOfStay"), people.Where(p => p.StayDays is not null).Select(p => (double)p.StayDays!.Value).ToList(),
            "stays", "meanDays", "sdDays", "medianDays", "q1Days", "q3Days");
    }

    private static void AssertSummary(JsonElement figures, List<double> values, string count, string mean, string sd, string? median, string? q1, string? q3)
    {
        Assert.Equal(values.Count, figures.GetProperty(count).GetInt32());
        Assert.Equal(values.Count, figures.GetProperty("people").GetInt32()); // one value per person here
        Assert.Equal(values.Count < K, figures.GetProperty("suppressed").GetBoolean());
        if (values.Count < K)
            return;
        var average = values.Average();
        Assert.Equal(average, figures.GetProperty(mean).GetDouble(), 1e-6);
        Assert.Equal(Math.Sqrt(values.Sum(v => (v - average) * (v - average)) / (values.Count - 1)), figures.GetProperty(sd).GetDouble(), 1e-6);
        var sorted = values.Order().ToList();
        foreach (var (name, p) in new[] { (median, 0.5), (q1, 0.25), (q3, 0.75) })
            if (name is not null)
                Assert.Equal(Quantile(sorted, p), figures.GetProperty(name).GetDouble(), 1e-6);
    }

    /// <summary>Linear interpolation between closest ranks (R type 7), as the contract says.</summary>
    private static double Quantile(List<double> sorted, double p)
    {
        var h = (sorted.Count - 1) * p;
        var low = (int)Math.Floor(h);
        return sorted[low] + (h - low) * (sorted[Math.Min(low + 1, sorted.Count - 1)] - sorted[low]);
    }

    [Fact]
    public async Task Peer_roles_are_validated_by_field_and_the_registry_lists_only_sharing_services_with_totals()
    {
        await using var app = await TestApp.StartAsync(queueTriggers: false);
        var admin = app.Client(TestApp.AdminKey);
        var bad = await admin.PutAsJsonAsync("/api/manage/services/roles-bad", new
        {
            name = "Bad", allowedOrigins = Array.Empty<string>(),
            peerRoles = new object[]
            {
                new { setting = "community", sector = "nhs", posts = 2, fte = 1.0 },
                new { setting = "ward", sector = "charity", posts = -1, fte = 3.0 },
            },
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(["peerRoles[1].fte", "peerRoles[1].posts", "peerRoles[1].sector", "peerRoles[1].setting"],
            errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));

        await PutServiceAsync(app, "roles-a", shares: true, new object[]
        {
            new { setting = "inpatient", sector = "nhs", posts = 3, fte = 2.5 },
            new { setting = "community", sector = "voluntary", posts = 4, fte = 0.1 },
        });
        await PutServiceAsync(app, "roles-b", shares: true, new[] { new { setting = "community", sector = "voluntary", posts = 1, fte = 0.2 } });
        await PutServiceAsync(app, "roles-c", shares: false, new[] { new { setting = "crisis", sector = "nhs", posts = 9, fte = 9.0 } });
        var stored = await admin.GetFromJsonAsync<JsonElement>("/api/manage/services/roles-a");
        Assert.True(stored.GetProperty("shareWithNetwork").GetBoolean());
        Assert.Equal(2, stored.GetProperty("peerRoles").GetArrayLength());

        var registry = await app.Client(TestApp.NetworkKey).GetFromJsonAsync<JsonElement>("/api/network/peer-roles");
        Assert.Equal(["roles-a", "roles-b"], registry.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("serviceId").GetString()));
        Assert.Equal("Service roles-a", registry.GetProperty("services")[0].GetProperty("name").GetString());
        Assert.Equal((8, 2.8), (registry.GetProperty("total").GetProperty("posts").GetInt32(), registry.GetProperty("total").GetProperty("fte").GetDouble()));
        Assert.Equal(0.3, registry.GetProperty("bySector").GetProperty("voluntary").GetProperty("fte").GetDouble());
        Assert.Equal(3, registry.GetProperty("bySetting").GetProperty("inpatient").GetProperty("posts").GetInt32());
        Assert.False(registry.GetProperty("bySetting").TryGetProperty("crisis", out _));
    }

    [Fact]
    public async Task An_admin_issues_network_keys_that_read_the_network_view_and_nothing_of_one_service()
    {
        await using var app = await TestApp.StartAsync(queueTriggers: false);
        var admin = app.Client(TestApp.AdminKey);
        var refused = await admin.PostAsJsonAsync("/api/manage/keys", new { role = "network", services = new[] { "demo" } });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.True((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("services", out _));

        var issued = await (await admin.PostAsJsonAsync("/api/manage/keys", new { role = "network", services = Array.Empty<string>() })).Content.ReadFromJsonAsync<JsonElement>();
        var network = app.Client(issued.GetProperty("key").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await network.GetAsync("/api/network/report?from=2026-01&to=2026-03")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await network.GetAsync("/api/network/peer-roles")).StatusCode);
        foreach (var path in new[] { "/api/reports/demo", "/api/dashboard/demo", "/api/services/demo/submissions/x", "/api/manage/services/demo" })
            Assert.Equal(HttpStatusCode.Forbidden, (await network.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.Client(TestApp.ReportKey).GetAsync("/api/network/report")).StatusCode);

        var byService = await network.GetAsync("/api/network/report?by=service");
        Assert.Equal(HttpStatusCode.BadRequest, byService.StatusCode);
        Assert.True((await byService.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("by", out _));
    }
}
