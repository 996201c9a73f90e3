using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PeerEval.Testing;

/// <summary>
/// The app's own build as a separate process, standalone, on a free port: so its memory is its own
/// (benchmarks), and so it can be killed outright (tests).
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _adminKey;
    private bool _disposed;

    private AppProcess(Process process, Uri baseAddress, string adminKey)
    {
        _process = process;
        BaseAddress = baseAddress;
        _adminKey = adminKey;
    }

    public Uri BaseAddress { get; }

    public static async Task<AppProcess> StartAsync(
        string connectionString, string prefix, bool listen, int batchSize = 32, IDictionary<string, string>? settings = null)
    {
        var port = Ports.Free();
        var adminKey = "pe_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var start = new ProcessStartInfo("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "PeerEval.Functions.dll")])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["AzureWebJobsStorage"] = connectionString,
                ["PeerEval__ParticipantKey"] = TestApp.ParticipantKey,
                ["PeerEval__Storage__Prefix"] = prefix,
                ["PeerEval__Queue__ListenerEnabled"] = listen ? "true" : "false",
                ["PeerEval__Queue__BatchSize"] = batchSize.ToString(),
                ["PeerEval__Queue__MaxPollingInterval"] = "00:00:00.250",
                ["PeerEval__RateLimit__PermitsPerMinute"] = "0",
                ["PeerEval__Reporting__MinCellSize"] = "0",
                ["PeerEval__Auth__BootstrapAdminKeySha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(adminKey))),
                ["Logging__LogLevel__Default"] = "Warning",
            },
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var app = new AppProcess(process, new Uri($"http://127.0.0.1:{port}"), adminKey);
        using var probe = new HttpClient { BaseAddress = app.BaseAddress };
        for (var i = 0; ; i++)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"The app exited with {process.ExitCode}.");
            try
            {
                if ((await probe.GetAsync("/api/health")).IsSuccessStatusCode)
                    return app;
            }
            catch (HttpRequestException) when (i < 600)
            {
            }
            await Task.Delay(100);
        }
    }

    public HttpClient Client(string? key = null, int connections = 64)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key ?? _adminKey);
        return client;
    }

    public async Task<string> IssueKeyAsync(string role, params string[] services)
    {
        var response = await Client().PostAsJsonAsync("/api/admin/keys", new { role, services });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    /// <summary>Peak and current resident memory, from /proc (VmHWM, VmRSS), in MB.</summary>
    public (double PeakMb, double CurrentMb) Memory()
    {
        var status = File.ReadAllLines($"/proc/{_process.Id}/status");
        double Kb(string field) => double.Parse(status.Single(l => l.StartsWith(field + ":")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        return (Kb("VmHWM") / 1024, Kb("VmRSS") / 1024);
    }

    public bool HasExited => _process.HasExited;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

}
