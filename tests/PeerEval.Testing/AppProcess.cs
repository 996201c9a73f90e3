using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PeerEval.FunctionsHost;

namespace PeerEval.Testing;

/// <summary>
/// The app as it runs in production (Production environment, no demo keys, a bootstrap admin key),
/// its worker a process of its own under the host stand-in: so its memory is its own (benchmarks),
/// and so it can be killed outright (tests).
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly FunctionsHostStandIn _host;
    private readonly string _adminKey;

    private AppProcess(FunctionsHostStandIn host, string adminKey)
    {
        _host = host;
        _adminKey = adminKey;
    }

    public Uri BaseAddress => _host.BaseAddress;
    public FunctionsHostStandIn Host => _host;

    /// <param name="queueTriggers">Whether the host runs AggregateSubmission (off: the app only takes submissions).</param>
    /// <param name="batchSize">The host's queue batch size (host.json's extensions.queues.batchSize).</param>
    public static async Task<AppProcess> StartAsync(
        string connectionString, string prefix, bool queueTriggers, int batchSize = 32, IDictionary<string, string>? settings = null)
    {
        var adminKey = "pe_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var all = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = connectionString,
            ["PeerEval__ParticipantKey"] = TestApp.ParticipantKey,
            ["PeerEval__FormSigningKey"] = "test-form-signing-key-0123456789",
            ["PeerEval__Storage__Prefix"] = prefix,
            ["PeerEval__RateLimit__PermitsPerMinute"] = "0",
            ["PeerEval__Reporting__MinCellSize"] = "0",
            ["PeerEval__Auth__BootstrapAdminKeySha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(adminKey))),
            ["AzureFunctionsJobHost__extensions__queues__batchSize"] = batchSize.ToString(),
            ["AzureFunctionsJobHost__extensions__queues__newBatchThreshold"] = (batchSize / 2).ToString(),
            ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.250",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
            all[name] = value;
        var host = await FunctionsHostStandIn.StartAsync(new StandInOptions
        {
            AppDirectory = Repo.FunctionsApp,
            Settings = all,
            RunQueueTriggers = queueTriggers,
        });
        return new AppProcess(host, adminKey);
    }

    public HttpClient Client(string? key = null, int connections = 64)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key ?? _adminKey);
        return client;
    }

    /// <summary>Issues a key for the services, registering any that do not exist yet (reports of unknown services are 404).</summary>
    public async Task<string> IssueKeyAsync(string role, params string[] services)
    {
        foreach (var service in services.Where(s => s != "*"))
            await RegisterServiceAsync(service);
        var response = await Client().PostAsJsonAsync("/api/manage/keys", new { role, services });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    public async Task RegisterServiceAsync(string serviceId) =>
        (await Client().PutAsJsonAsync($"/api/manage/services/{serviceId}", new { name = serviceId, allowedOrigins = Array.Empty<string>() })).EnsureSuccessStatusCode();

    /// <summary>The worker's peak and current resident memory, from /proc (VmHWM, VmRSS), in MB.</summary>
    public (double PeakMb, double CurrentMb) Memory()
    {
        var status = File.ReadAllLines($"/proc/{_host.WorkerProcessId}/status");
        double Kb(string field) => double.Parse(status.Single(l => l.StartsWith(field + ":")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        return (Kb("VmHWM") / 1024, Kb("VmRSS") / 1024);
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
