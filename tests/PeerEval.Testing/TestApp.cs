using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using System.Collections.Concurrent;
using PeerEval.Functions.Storage;
using PeerEval.FunctionsHost;

namespace PeerEval.Testing;

/// <summary>
/// The real app: its built worker, started and driven by the Functions host stand-in over the host's
/// gRPC protocol, against the shared Azurite, with tables and queues of its own (a random prefix)
/// that are deleted when the test ends.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    public const string SubmitKey = "dev-submit-demo";
    public const string ReportKey = "dev-report-all";
    public const string AdminKey = "dev-admin";
    public const string NetworkKey = "dev-network";
    public const string ParticipantKey = "test-participant-key-0123456789";

    private readonly FunctionsHostStandIn _host;
    private readonly StorageFaults? _faults;
    private readonly bool _keepStorage;
    private readonly ConcurrentQueue<string> _logs;

    private TestApp(FunctionsHostStandIn host, StorageFaults? faults, string prefix, string connectionString, bool keepStorage, ConcurrentQueue<string> logs)
    {
        _host = host;
        _faults = faults;
        _keepStorage = keepStorage;
        _logs = logs;
        Prefix = prefix;
        ConnectionString = connectionString;
        Names = new StorageNames(prefix);
    }

    public string Prefix { get; }
    public string ConnectionString { get; }
    public Uri BaseAddress => _host.BaseAddress;
    public StorageNames Names { get; }
    public FunctionsHostStandIn Host => _host;

    /// <summary>Everything the worker logged (through the host) and printed.</summary>
    public IReadOnlyCollection<string> Logs => _logs;

    public TableClient Table(string name) => new TableServiceClient(ConnectionString).GetTableClient(name);

    public QueueClient Queue(string name) =>
        new QueueServiceClient(ConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }).GetQueueClient(name);

    /// <summary>Where the worker meets storage, when started with faults: set its predicates to fail requests.</summary>
    public StorageFaults? Faults => _faults;

    /// <summary>
    /// Starts the worker in Development (the demo keys are seeded) with the given settings (":" or "__"
    /// separated). With <paramref name="faults"/>, the worker reaches storage through a fault proxy (<see cref="Faults"/>).
    /// </summary>
    public static async Task<TestApp> StartAsync(
        IDictionary<string, string?>? settings = null, bool faults = false, string? prefix = null, bool keepStorage = false, bool queueTriggers = true)
    {
        var azurite = await Azurite.InstanceAsync();
        var proxy = faults ? await StorageFaults.StartAsync(azurite) : null;
        prefix ??= "t" + Guid.NewGuid().ToString("n")[..12];
        var all = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = proxy?.ConnectionString ?? azurite.ConnectionString,
            ["PeerEval:Storage:Prefix"] = prefix,
            // Injected faults should reach the app at once, not after the SDK's own retries.
            ["PeerEval:Storage:MaxRetries"] = faults ? "0" : "3",
            ["PeerEval:ParticipantKey"] = ParticipantKey,
            ["PeerEval:FormSigningKey"] = "test-form-signing-key-0123456789",
            ["PeerEval:Auth:CacheSeconds"] = "0",
            ["PeerEval:RateLimit:PermitsPerMinute"] = "0",
            ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200",
            ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:00.050",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
            all[name] = value;
        var logs = new ConcurrentQueue<string>();
        var host = await FunctionsHostStandIn.StartAsync(new StandInOptions
        {
            AppDirectory = Repo.FunctionsApp,
            EnvironmentName = "Development",
            RunQueueTriggers = queueTriggers,
            Settings = all.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value),
            Log = logs.Enqueue,
        });
        return new TestApp(host, proxy, prefix, azurite.ConnectionString, keepStorage, logs);
    }

    public HttpClient Client(string? key = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public async Task<HttpResponseMessage> SubmitAsync(object body, string service = "demo", string key = SubmitKey) =>
        await Client(key).PostAsJsonAsync($"/api/services/{service}/submissions", body);

    public static StringContent Json(string text, string contentType = "application/json") =>
        new(text, Encoding.UTF8, contentType);

    /// <summary>Waits until every submission reports the status, failing after a generous deadline.</summary>
    public async Task WaitForStatusAsync(IEnumerable<string> submissionIds, string status = "aggregated", string service = "demo", int seconds = 60)
    {
        var client = Client(AdminKey);
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        foreach (var id in submissionIds)
        {
            while (true)
            {
                var state = await client.GetFromJsonAsync<JsonElement>($"/api/services/{service}/submissions/{id}");
                if (state.GetProperty("status").GetString() == status)
                    break;
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"Submission {id} is '{state.GetProperty("status").GetString()}', not '{status}'.");
                await Task.Delay(50);
            }
        }
    }

    public async Task<JsonElement> ReportAsync(string from, string to, string service = "demo", string granularity = "month") =>
        await Client(ReportKey).GetFromJsonAsync<JsonElement>($"/api/reports/{service}?granularity={granularity}&from={from}&to={to}");

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        // Kept for whoever reads a failed run: artifacts/logs/<prefix>.log holds what the worker and host said.
        var logFolder = Directory.CreateDirectory(Path.Combine(Repo.Root, "artifacts", "logs"));
        await File.WriteAllLinesAsync(Path.Combine(logFolder.FullName, Prefix + ".log"), _logs);
        if (_faults is not null)
            await _faults.DisposeAsync();
        if (_keepStorage)
            return; // a second instance on another test's storage leaves it to that test
        var tables = new TableServiceClient(ConnectionString);
        foreach (var table in Names.Tables)
            await tables.DeleteTableAsync(table);
        var queues = new QueueServiceClient(ConnectionString);
        foreach (var queue in Names.Queues)
            await queues.GetQueueClient(queue).DeleteIfExistsAsync();
    }
}
