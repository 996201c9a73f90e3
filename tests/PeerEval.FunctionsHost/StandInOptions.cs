namespace PeerEval.FunctionsHost;

/// <summary>How to run the worker under the stand-in host.</summary>
public sealed class StandInOptions
{
    /// <summary>The worker's build or publish folder (holds worker.config.json and host.json).</summary>
    public required string AppDirectory { get; init; }

    /// <summary>
    /// App settings: passed to the worker as environment variables, used to resolve %binding% expressions
    /// and connection names, and (as AzureFunctionsJobHost__…) to override host.json.
    /// </summary>
    public IDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Loopback port for client HTTP; 0 picks a free one.</summary>
    public int Port { get; init; }

    public bool RunQueueTriggers { get; init; } = true;

    /// <summary>AZURE_FUNCTIONS_ENVIRONMENT for the worker (ASPNETCORE_ and DOTNET_ENVIRONMENT follow it).</summary>
    public string EnvironmentName { get; init; } = "Production";

    /// <summary>Receives worker output, worker logs at Warning and above, and the stand-in's own diagnostics.</summary>
    public Action<string>? Log { get; init; }
}
