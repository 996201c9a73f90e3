using Microsoft.Extensions.Configuration;

namespace PeerEval.FunctionsHost;

/// <summary>Queue trigger settings from host.json extensions.queues, with the host's defaults.</summary>
public sealed record QueueSettings(
    int BatchSize,
    int NewBatchThreshold,
    int MaxDequeueCount,
    TimeSpan VisibilityTimeout,
    TimeSpan MaxPollingInterval,
    bool Base64Messages);

/// <summary>
/// host.json as the host reads it: the file, overlaid by app settings named AzureFunctionsJobHost__…
/// (the host's own override mechanism, which the tests use to shorten polling).
/// </summary>
public sealed class HostSettings
{
    private const int MaxBatchSize = 32; // Azure Storage returns at most 32 messages per receive.

    private HostSettings(string routePrefix, QueueSettings queues)
    {
        RoutePrefix = routePrefix;
        Queues = queues;
    }

    /// <summary>extensions.http.routePrefix without slashes; "api" unless set (it may be set to "").</summary>
    public string RoutePrefix { get; }

    public QueueSettings Queues { get; }

    public static HostSettings Load(string appDirectory, AppSettings appSettings)
    {
        var hostJson = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(appDirectory, "host.json"), optional: true)
            .AddConfiguration(appSettings.Configuration.GetSection("AzureFunctionsJobHost"))
            .Build();

        var http = hostJson.GetSection("extensions:http");
        var queues = hostJson.GetSection("extensions:queues");
        var batchSize = Math.Clamp(queues.GetValue("batchSize", 16), 1, MaxBatchSize);
        return new HostSettings(
            (http["routePrefix"] ?? "api").Trim('/'),
            new QueueSettings(
                batchSize,
                queues.GetValue("newBatchThreshold", batchSize / 2 * Environment.ProcessorCount), // the host's default: N * batchSize / 2 for N cores
                queues.GetValue("maxDequeueCount", 5),
                queues.GetValue("visibilityTimeout", TimeSpan.Zero),
                queues.GetValue("maxPollingInterval", TimeSpan.FromMinutes(1)),
                string.Equals(queues["messageEncoding"] ?? "base64", "base64", StringComparison.OrdinalIgnoreCase)));
    }
}
