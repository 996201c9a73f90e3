using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PeerEval.FunctionsHost;
using PeerEval.Testing;

namespace PeerEval.Functions.Tests.Deployment;

/// <summary>Publishes the app once, as `azd deploy` would, for the tests below.</summary>
public sealed class PublishedPackage : IAsyncLifetime
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "peereval-publish-" + Guid.NewGuid().ToString("n")[..8]);

    public async Task InitializeAsync()
    {
        var publish = Process.Start(new ProcessStartInfo("dotnet", ["publish", Repo.FunctionsProject, "-c", "Release", "-o", Folder, "--nologo", "-v", "quiet"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = await publish.StandardOutput.ReadToEndAsync() + await publish.StandardError.ReadToEndAsync();
        await publish.WaitForExitAsync();
        if (publish.ExitCode != 0)
            throw new InvalidOperationException("dotnet publish failed:\n" + output);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class PublishedPackageTests(PublishedPackage package) : IClassFixture<PublishedPackage>
{
    [Fact]
    public void The_package_holds_what_the_host_loads_and_no_development_settings()
    {
        foreach (var file in new[] { "host.json", "functions.metadata", "worker.config.json", "extensions.json", "PeerEval.Functions.dll" })
            Assert.True(File.Exists(Path.Combine(package.Folder, file)), $"{file} is missing");
        var worker = JsonDocument.Parse(File.ReadAllText(Path.Combine(package.Folder, "worker.config.json"))).RootElement.GetProperty("description");
        Assert.Equal("dotnet-isolated", worker.GetProperty("language").GetString());
        Assert.True(File.Exists(Path.Combine(package.Folder, worker.GetProperty("defaultWorkerPath").GetString()!)));

        var functions = JsonDocument.Parse(File.ReadAllText(Path.Combine(package.Folder, "functions.metadata"))).RootElement
            .EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToHashSet();
        Assert.Contains("AggregateSubmission", functions);
        Assert.Contains("SubmitSubmission", functions);
        // The host loads the queue extension named here for the trigger.
        var extensions = JsonDocument.Parse(File.ReadAllText(Path.Combine(package.Folder, "extensions.json"))).RootElement.GetProperty("extensions");
        Assert.Contains(extensions.EnumerateArray(), e => e.GetProperty("typeName").GetString()!.Contains("Queue", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(package.Folder, "appsettings.Development.json")), "development keys must not ship");
    }

    [Fact]
    public async Task Run_under_the_host_stand_in_the_published_package_takes_a_submission_and_aggregates_it()
    {
        var azurite = await Azurite.InstanceAsync();
        var prefix = "p" + Guid.NewGuid().ToString("n")[..12];
        var adminKey = "pe_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        await using var host = await FunctionsHostStandIn.StartAsync(new StandInOptions
        {
            AppDirectory = package.Folder,
            Settings = new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["PeerEval__ParticipantKey"] = "published-test-participant-key",
                ["PeerEval__FormSigningKey"] = "published-test-form-signing-key",
                ["PeerEval__Storage__Prefix"] = prefix,
                ["PeerEval__Reporting__MinCellSize"] = "0",
                ["PeerEval__Auth__BootstrapAdminKeySha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(adminKey))),
                ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.200",
            },
        });
        try
        {
            var http = new HttpClient { BaseAddress = host.BaseAddress };
            // An admin key from the bootstrap hash issues a submit key; the dev keys do not exist in Production.
            http.DefaultRequestHeaders.Authorization = new("Bearer", "dev-admin");
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/api/manage/keys", TestApp.Json("{}"))).StatusCode);
            http.DefaultRequestHeaders.Authorization = new("Bearer", adminKey);
            var issued = await (await http.PostAsync("/api/manage/keys", TestApp.Json("""{ "role": "submit", "services": ["demo"] }"""))).Content.ReadFromJsonAsync<JsonElement>();

            http.DefaultRequestHeaders.Authorization = new("Bearer", issued.GetProperty("key").GetString());
            var body = Bodies.Hope("published-1", "baseline", "2026-02-02", Bodies.Uniform(2));
            Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/api/services/demo/submissions", body)).StatusCode);

            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((await http.GetFromJsonAsync<JsonElement>($"/api/services/demo/submissions/{body["submissionId"]}")).GetProperty("status").GetString() != "aggregated")
            {
                Assert.True(DateTime.UtcNow < deadline, "the published worker never aggregated the submission");
                await Task.Delay(50);
            }
        }
        finally
        {
            var tables = new Azure.Data.Tables.TableServiceClient(azurite.ConnectionString);
            foreach (var table in new PeerEval.Functions.Storage.StorageNames(prefix).Tables)
                await tables.DeleteTableAsync(table);
        }
    }
}
