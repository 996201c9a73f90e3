using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerEval.Functions.Tests.Infrastructure;
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

    /// <summary>One person's hope-core submissions: a baseline in January (some with a stay closed then), most with a follow-up in February.</summary>
    private static IEnumerable<RawSubmission> PersonOf(string service, int index)
    {
        var random = new Random(service.Sum(c => c) * 1000 + index);
        int[] Answers() => Enumerable.Range(0, 8).Select(_ => random.Next(1, 6)).ToArray();
        var participant = $"{service}-person-{index}";
        var admitted = new DateOnly(2025, 12, 20);
        yield return new RawSubmission(Guid.NewGuid().ToString(), participant, "baseline", new DateOnly(2026, 1, 1 + index % 28), Answers(),
            index % 3 == 0 ? admitted : null, index % 3 == 0 ? admitted.AddDays(16 + index % 20) : null);
        if (index % 4 != 1)
            yield return new RawSubmission(Guid.NewGuid().ToString(), participant, "followup", new DateOnly(2026, 2, 1 + index % 28), Answers(), null, null);
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
    public async Task The_network_report_pools_exactly_the_sharing_services_and_no_service_can_be_solved_for_from_it_or_from_its_benchmark()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:Reporting:MinCellSize"] = K.ToString() });
        var submitted = new List<(string Service, RawSubmission Submission)>();
        foreach (var (id, count, shares) in Services)
        {
            await PutServiceAsync(app, id, shares, new[] { new { setting = "community", sector = "voluntary", posts = 2, fte = 1.5 } });
            var issued = await (await app.Client(TestApp.AdminKey).PostAsJsonAsync("/api/manage/keys", new { role = "submit", services = new[] { id } }))
                .Content.ReadFromJsonAsync<JsonElement>();
            var key = issued.GetProperty("key").GetString()!;
            var submissions = Enumerable.Range(0, count).SelectMany(i => PersonOf(id, i)).ToList();
            foreach (var submission in submissions)
                Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitAsync(WithSetting(submission), id, key)).StatusCode);
            await app.WaitForStatusAsync(submissions.Select(s => s.Id), service: id);
            submitted.AddRange(submissions.Select(s => (id, s)));
        }
        await DrainAsync(app);

        var sharing = Services.Where(s => s.Shares).Select(s => s.Id).ToHashSet();
        var report = await NetworkReportAsync(app);
        Assert.Equal("network", report.GetProperty("serviceId").GetString());
        AssertPooled(report, submitted.Where(s => sharing.Contains(s.Service)).Select(s => s.Submission).ToList());

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
        AssertPooled(await NetworkReportAsync(app), submitted.Where(s => sharing.Contains(s.Service)).Select(s => s.Submission).ToList());
        await PutServiceAsync(app, "net-09", shares: false);
        await DrainAsync(app);
        sharing.Remove("net-09");
        Assert.Equal(before, Figures(await NetworkReportAsync(app)));

        // Pooled by setting, each setting's figures are those of its submissions, wherever published.
        var bySetting = await NetworkReportAsync(app, "from=2026-01&to=2026-02&by=setting");
        foreach (var group in bySetting.GetProperty("groups").EnumerateArray())
        {
            var inSetting = submitted.Where(s => sharing.Contains(s.Service) && SettingOf(s.Submission) == group.GetProperty("value").GetString()).Select(s => s.Submission).ToList();
            var baseline = group.GetProperty("periods")[0].GetProperty("instruments").GetProperty("hope-core@1").GetProperty("occasions").GetProperty("baseline");
            var (n, people, mean) = PlainReference.For(inSetting, "2026-01").Cells["baseline"];
            Assert.Equal((n, people), (baseline.GetProperty("n").GetInt32(), baseline.GetProperty("people").GetInt32()));
            if (!baseline.GetProperty("suppressed").GetBoolean())
                Assert.Equal(mean, baseline.GetProperty("mean").GetDouble(), 6);
        }
        AssertNoPartSolvable(await NetworkReportAsync(app, "from=2026-01&to=2026-02&by=service"));

        // Three services left, one of them a single person: published services must not give that person away by subtraction.
        foreach (var id in sharing.Except(["net-03", "net-05", "net-06"]))
            await PutServiceAsync(app, id, shares: false);
        await DrainAsync(app);
        foreach (var query in new[] { "from=2026-01&to=2026-03&by=service", "granularity=quarter&from=2026-Q1&to=2026-Q1&by=service" })
        {
            var byService = await NetworkReportAsync(app, query);
            var onePerson = byService.GetProperty("groups").EnumerateArray().Single(g => g.GetProperty("value").GetString() == "net-06");
            Assert.True(onePerson.GetProperty("periods")[0].GetProperty("instruments").GetProperty("hope-core@1").GetProperty("occasions").GetProperty("baseline").GetProperty("suppressed").GetBoolean());
            AssertNoPartSolvable(byService);
        }

        // Two left: each sees the pool beside its own figures only where the rest of the pool is empty or publishable.
        await PutServiceAsync(app, "net-03", shares: false);
        await DrainAsync(app);
        var reader = app.Client(TestApp.ReportKey);
        JsonElement BaselineOf(JsonElement periods) => periods[0].GetProperty("instruments").GetProperty("hope-core@1").GetProperty("occasions").GetProperty("baseline");
        var large = await reader.GetFromJsonAsync<JsonElement>("/api/reports/net-05?from=2026-01&to=2026-02&benchmark=network");
        var pooled = BaselineOf(large.GetProperty("benchmark").GetProperty("periods"));
        Assert.Equal((21, true), (pooled.GetProperty("people").GetInt32(), pooled.GetProperty("suppressed").GetBoolean())); // the rest is one person
        var single = await reader.GetFromJsonAsync<JsonElement>("/api/reports/net-06?from=2026-01&to=2026-02&benchmark=network");
        Assert.Equal("network", single.GetProperty("benchmark").GetProperty("of").GetString());
        Assert.False(BaselineOf(single.GetProperty("benchmark").GetProperty("periods")).GetProperty("suppressed").GetBoolean());
        Assert.True(BaselineOf(single.GetProperty("periods")).GetProperty("suppressed").GetBoolean());
        var notSharing = await reader.GetAsync("/api/reports/net-03?from=2026-01&to=2026-02&benchmark=network");
        Assert.Equal(HttpStatusCode.BadRequest, notSharing.StatusCode);
        Assert.True((await notSharing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("benchmark", out _));
    }

    private static string SettingOf(RawSubmission submission) => submission.Participant.EndsWith('0') || submission.Participant.EndsWith('5') ? "inpatient" : "community";

    private static Dictionary<string, object?> WithSetting(RawSubmission submission)
    {
        var body = submission.Body();
        body["context"] = new { setting = SettingOf(submission) };
        return body;
    }

    /// <summary>
    /// Services hold different people, so a figure group's people add up across services: what the pool
    /// holds beyond the published services' groups is what subtraction reveals, and must be no one or at least k.
    /// </summary>
    private static void AssertNoPartSolvable(JsonElement report)
    {
        var parts = report.GetProperty("groups").EnumerateArray().ToList();
        Assert.NotEmpty(parts);
        foreach (var (period, index) in report.GetProperty("periods").EnumerateArray().Select((p, i) => (p, i)))
            foreach (var (path, pooled) in FigureGroups(period))
            {
                var published = parts.Select(p => FigureGroups(p.GetProperty("periods")[index]).GetValueOrDefault(path))
                    .Where(f => f.ValueKind == JsonValueKind.Object && !f.GetProperty("suppressed").GetBoolean()).ToList();
                Assert.All(published, f => Assert.True(f.GetProperty("people").GetInt32() >= K));
                if (pooled.GetProperty("suppressed").GetBoolean())
                    continue;
                var residue = pooled.GetProperty("people").GetInt32() - published.Sum(f => f.GetProperty("people").GetInt32());
                Assert.True(residue == 0 || residue >= K, $"{period.GetProperty("period")} {path}: {residue} people left to subtraction");
            }
    }

    private static Dictionary<string, JsonElement> FigureGroups(JsonElement period)
    {
        var groups = new Dictionary<string, JsonElement> { ["lengthOfStay"] = period.GetProperty("lengthOfStay") };
        foreach (var instrument in period.GetProperty("instruments").EnumerateObject())
            foreach (var kind in new[] { "occasions", "change" })
                foreach (var group in instrument.Value.GetProperty(kind).EnumerateObject())
                    groups[$"{instrument.Name}/{kind}/{group.Name}"] = group.Value;
        return groups;
    }

    /// <summary>The pooled figures against the plain reference over the given submissions, with spreads and quartiles worked out here.</summary>
    private static void AssertPooled(JsonElement report, List<RawSubmission> submissions)
    {
        var (january, february) = (report.GetProperty("periods")[0], report.GetProperty("periods")[1]);
        var (expectedJanuary, expectedFebruary) = (PlainReference.For(submissions, "2026-01"), PlainReference.For(submissions, "2026-02"));
        Assert.Equal((expectedJanuary.Submissions, expectedJanuary.Participants), (january.GetProperty("submissions").GetInt32(), january.GetProperty("participants").GetInt32()));
        Assert.Equal((expectedFebruary.Submissions, expectedFebruary.Participants), (february.GetProperty("submissions").GetInt32(), february.GetProperty("participants").GetInt32()));

        var baseline = january.GetProperty("instruments").GetProperty("hope-core@1").GetProperty("occasions").GetProperty("baseline");
        var (n, people, mean) = expectedJanuary.Cells["baseline"];
        Assert.Equal((n, people), (baseline.GetProperty("n").GetInt32(), baseline.GetProperty("people").GetInt32()));
        Assert.Equal(mean, baseline.GetProperty("mean").GetDouble(), 6);
        AssertSpread(baseline, submissions.Where(s => s.Occasion == "baseline").Select(s => s.Score).ToList(), "sd", "median", "q1", "q3");

        var change = february.GetProperty("instruments").GetProperty("hope-core@1").GetProperty("change").GetProperty("followup");
        (n, people, mean) = expectedFebruary.Changes["followup"];
        Assert.Equal((n, people), (change.GetProperty("pairs").GetInt32(), change.GetProperty("people").GetInt32()));
        Assert.Equal(mean, change.GetProperty("meanChange").GetDouble(), 6);
        var changes = submissions.Where(s => s.Occasion == "followup")
            .Select(f => f.Score - submissions.Single(b => b.Participant == f.Participant && b.Occasion == "baseline").Score).ToList();
        AssertSpread(change, changes, "sdChange", null, null, null);
        var threshold = 1.96 * 6.0 * Math.Sqrt(2) * Math.Sqrt(1 - 0.85);
        Assert.Equal(changes.Count(c => c > threshold), change.GetProperty("reliablyImproved").GetInt32());
        Assert.Equal(changes.Count(c => c < -threshold), change.GetProperty("reliablyDeteriorated").GetInt32());

        var stays = january.GetProperty("lengthOfStay");
        Assert.Equal(expectedJanuary.Stays, stays.GetProperty("stays").GetInt32());
        Assert.Equal(expectedJanuary.MeanDays!.Value, stays.GetProperty("meanDays").GetDouble(), 6);
        AssertSpread(stays, submissions.Where(s => s.DischargedOn is not null).Select(s => (double)(s.DischargedOn!.Value.DayNumber - s.AdmittedOn!.Value.DayNumber)).ToList(),
            "sdDays", "medianDays", "q1Days", "q3Days");
    }

    /// <summary>A published group's spread and quartiles against a plain calculation (every group here has at least k people).</summary>
    private static void AssertSpread(JsonElement figures, List<double> values, string sd, string? median, string? q1, string? q3)
    {
        Assert.True(values.Count >= K);
        Assert.False(figures.GetProperty("suppressed").GetBoolean());
        var average = values.Average();
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

        var byTeam = await network.GetAsync("/api/network/report?by=team");
        Assert.Equal(HttpStatusCode.BadRequest, byTeam.StatusCode);
        Assert.True((await byTeam.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("by", out _));
    }

    [Fact]
    public async Task A_network_message_that_cannot_be_folded_is_poisoned_with_its_reason_and_listed_for_the_admin()
    {
        await using var app = await TestApp.StartAsync();
        await app.Queue(app.Names.NetworkQueue).SendMessageAsync("""{ "serviceId": "demo", "month": "2026-13" }""");
        var admin = app.Client(TestApp.AdminKey);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonElement[] records = [];
        // The reason is recorded on the last try, then the host moves the message to the poison queue.
        while ((records.Length == 0 || (await app.Queue(app.Names.NetworkPoisonQueue).GetPropertiesAsync()).Value.ApproximateMessagesCount == 0)
               && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            records = (await admin.GetFromJsonAsync<JsonElement>("/api/manage/poison")).EnumerateArray().ToArray();
        }
        Assert.Contains("network fold", Assert.Single(records).GetProperty("reason").GetString());
        Assert.Equal(1, (await app.Queue(app.Names.NetworkPoisonQueue).GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }
}
