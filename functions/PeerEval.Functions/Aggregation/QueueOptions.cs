using System.ComponentModel.DataAnnotations;

namespace PeerEval.Functions.Aggregation;

/// <summary>The standalone listener's settings, mirroring host.json's queue settings so both behave alike.</summary>
public sealed class QueueOptions
{
    [Range(1, 32)]
    public int BatchSize { get; set; } = 16;

    [Range(1, 100)]
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>Batches in flight at once, like the host's newBatchThreshold: the next batch is fetched while one is folded.</summary>
    [Range(1, 16)]
    public int Concurrency { get; set; } = 3;

    /// <summary>How long a received message stays hidden while it is processed.</summary>
    public TimeSpan LeaseTime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a failed message waits before it is tried again (host.json's visibilityTimeout); doubles each try.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MinPollingInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Standalone only: off when the Functions host drives the queue.</summary>
    public bool ListenerEnabled { get; set; } = true;
}
