using System.Text.Json;

namespace PeerEval.Functions.Hosting;

/// <summary>
/// The queue settings the Functions host runs the trigger with: host.json beside the app, under the
/// app settings that override it (AzureFunctionsJobHost__extensions__queues__…), as the host reads them.
/// </summary>
public sealed record HostQueueSettings(int MaxDequeueCount)
{
    private const string OverrideSection = "AzureFunctionsJobHost:extensions:queues";

    public static HostQueueSettings Read(IConfiguration configuration)
    {
        var maxDequeueCount = 5;
        var hostJson = Path.Combine(AppContext.BaseDirectory, "host.json");
        if (File.Exists(hostJson)
            && JsonDocument.Parse(File.ReadAllText(hostJson)).RootElement is var root
            && root.TryGetProperty("extensions", out var extensions) && extensions.TryGetProperty("queues", out var queues)
            && queues.TryGetProperty("maxDequeueCount", out var configured))
            maxDequeueCount = configured.GetInt32();
        return new HostQueueSettings(configuration.GetValue($"{OverrideSection}:maxDequeueCount", maxDequeueCount));
    }
}
