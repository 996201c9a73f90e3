using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using PeerEval.Functions.Tests.Infrastructure;
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
    public void The_package_holds_host_json_every_function_folder_and_the_executable_host_json_names()
    {
        var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(package.Folder, "host.json"))).RootElement;
        var executable = Path.Combine(package.Folder, host.GetProperty("customHandler").GetProperty("description").GetProperty("defaultExecutablePath").GetString()!);
        Assert.True(File.Exists(executable), $"{executable} is missing");
        if (!OperatingSystem.IsWindows())
            Assert.True(File.GetUnixFileMode(executable).HasFlag(UnixFileMode.UserExecute));
        Assert.True(File.Exists(Path.Combine(package.Folder, "libhostfxr.so")), "not self-contained: the custom runtime has no .NET");

        var sourceFunctions = Directory.GetDirectories(Repo.FunctionsProject).Where(d => File.Exists(Path.Combine(d, "function.json"))).Select(Path.GetFileName).ToHashSet();
        var publishedFunctions = Directory.GetDirectories(package.Folder).Where(d => File.Exists(Path.Combine(d, "function.json"))).Select(Path.GetFileName).ToHashSet();
        Assert.Contains("AggregateSubmission", publishedFunctions);
        Assert.Equal(sourceFunctions, publishedFunctions);
        Assert.False(File.Exists(Path.Combine(package.Folder, "appsettings.Development.json")), "development keys must not ship");
    }

    [Fact]
    public async Task Run_as_the_functions_host_runs_it_the_package_serves_forwarded_requests_and_queue_invocations()
    {
        var azurite = await Azurite.InstanceAsync();
        var prefix = "p" + Guid.NewGuid().ToString("n")[..12];
        var port = Ports.Free();
        var adminKey = "pe_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var start = new ProcessStartInfo(Path.Combine(package.Folder, "PeerEval.Functions"))
        {
            WorkingDirectory = package.Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(),
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["PeerEval__ParticipantKey"] = "published-test-participant-key",
                ["PeerEval__Storage__Prefix"] = prefix,
                ["PeerEval__Reporting__MinCellSize"] = "0",
                ["PeerEval__Auth__BootstrapAdminKeySha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(adminKey))),
            },
        };
        using var process = Process.Start(start)!;
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitForHealthAsync(http, process, log);

            // An admin key from the bootstrap hash issues a submit key; the dev keys do not exist here.
            http.DefaultRequestHeaders.Authorization = new("Bearer", "dev-admin");
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/api/admin/keys", TestApp.Json("{}"))).StatusCode);
            http.DefaultRequestHeaders.Authorization = new("Bearer", adminKey);
            var issued = await (await http.PostAsync("/api/admin/keys", TestApp.Json("""{ "role": "submit", "services": ["demo"] }"""))).Content.ReadFromJsonAsync<JsonElement>();

            http.DefaultRequestHeaders.Authorization = new("Bearer", issued.GetProperty("key").GetString());
            var body = Bodies.Hope("published-1", "baseline", "2026-02-02", Bodies.Uniform(2));
            Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/api/services/demo/submissions", body)).StatusCode);

            // Under the host the app leaves the queue alone: the message waits for the host's invocation.
            var queue = new QueueServiceClient(azurite.ConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 })
                .GetQueueClient(prefix + "submissions");
            await Task.Delay(500);
            var message = (await queue.ReceiveMessageAsync()).Value;
            Assert.NotNull(message);
            var invocation = JsonSerializer.Serialize(new { Data = new { message = message.MessageText }, Metadata = new { DequeueCount = 1, Id = message.MessageId } });
            var answer = await http.PostAsync("/AggregateSubmission", TestApp.Json(invocation));
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);

            var status = await http.GetFromJsonAsync<JsonElement>($"/api/services/demo/submissions/{body["submissionId"]}");
            Assert.Equal("aggregated", status.GetProperty("status").GetString());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            var tables = new Azure.Data.Tables.TableServiceClient(azurite.ConnectionString);
            foreach (var table in new PeerEval.Functions.Storage.StorageNames(prefix).Tables)
                await tables.DeleteTableAsync(table);
        }
    }

    private static async Task WaitForHealthAsync(HttpClient http, Process process, StringBuilder log)
    {
        for (var i = 0; i < 300; i++)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"The published app exited ({process.ExitCode}):\n{log}");
            try
            {
                if ((await http.GetAsync("/api/health")).IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("The published app never became healthy:\n" + log);
    }

}
