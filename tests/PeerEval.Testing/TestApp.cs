using PeerEval.Functions;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using PeerEval.Functions.Storage;

namespace PeerEval.Testing;

/// <summary>
/// The real app on a real port against the shared Azurite, with tables and queues of its own
/// (a random prefix) that are deleted when the test ends.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    public const string SubmitKey = "dev-submit-demo";
    public const string ReportKey = "dev-report-all";
    public const string AdminKey = "dev-admin";
    public const string ParticipantKey = "test-participant-key-0123456789";

    private readonly WebApplication _app;

    private readonly bool _keepStorage;

    private TestApp(WebApplication app, string prefix, string connectionString, Uri baseAddress, bool keepStorage)
    {
        _app = app;
        _keepStorage = keepStorage;
        Prefix = prefix;
        ConnectionString = connectionString;
        BaseAddress = baseAddress;
        Names = new StorageNames(prefix);
    }

    public string Prefix { get; }
    public string ConnectionString { get; }
    public Uri BaseAddress { get; }
    public StorageNames Names { get; }
    public IServiceProvider Services => _app.Services;

    public TableClient Table(string name) => new TableServiceClient(ConnectionString).GetTableClient(name);

    public QueueClient Queue(string name) =>
        new QueueServiceClient(ConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }).GetQueueClient(name);

    public static async Task<TestApp> StartAsync(
        IDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null, string? prefix = null, bool keepStorage = false)
    {
        var azurite = await Azurite.InstanceAsync();
        prefix ??= "t" + Guid.NewGuid().ToString("n")[..12];
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Development",
            ContentRootPath = Repo.FunctionsProject,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["PeerEval:Storage:Prefix"] = prefix,
            ["PeerEval:ParticipantKey"] = ParticipantKey,
            ["PeerEval:Auth:CacheSeconds"] = "0",
            ["PeerEval:Queue:MinPollingInterval"] = "00:00:00.020",
            ["PeerEval:Queue:MaxPollingInterval"] = "00:00:00.200",
            ["PeerEval:Queue:RetryDelay"] = "00:00:00.050",
            ["PeerEval:RateLimit:PermitsPerMinute"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        if (settings is not null)
            builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddPeerEval();
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapPeerEval();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestApp(app, prefix, azurite.ConnectionString, new Uri(address), keepStorage);
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

    public async Task<JsonElement> ReportAsync(string from, string to, string service = "demo") =>
        await Client(ReportKey).GetFromJsonAsync<JsonElement>($"/api/reports/{service}?from={from}&to={to}");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
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
