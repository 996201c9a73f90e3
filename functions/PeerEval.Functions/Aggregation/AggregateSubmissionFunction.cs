using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using PeerEval.Functions.Hosting;

namespace PeerEval.Functions.Aggregation;

public static class AggregationModule
{
    public static IHostApplicationBuilder AddAggregation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ParticipantLedger>();
        builder.Services.AddSingleton<ReportRows>();
        builder.Services.AddSingleton<Aggregator>();
        builder.Services.AddSingleton<AggregationBatcher>();
        builder.Services.AddSingleton<PoisonMessages>();
        builder.Services.AddSingleton<Rebuilder>();
        builder.Services.AddSingleton<Admin.Erasure>();
        builder.Services.AddSingleton(HostQueueSettings.Read(builder.Configuration));
        return builder;
    }
}

/// <summary>A submission the aggregator could not fold; the host retries it, then moves it to the poison queue.</summary>
public sealed class AggregationFailedException(string reason) : Exception(reason);

public sealed class AggregateSubmissionFunction(AggregationBatcher batcher, PoisonMessages poison, HostQueueSettings queues)
{
    public const string QueueName = "%" + Storage.StorageOptions.PrefixSetting + "%" + Storage.StorageNames.SubmissionQueueName;

    /// <summary>
    /// Folds one queued submission into the report rows. A failure throws, so the host makes the message
    /// visible again; on the last try the reason is recorded first, since the host's poison queue keeps
    /// only the message.
    /// </summary>
    [Function("AggregateSubmission")]
    public async Task RunAsync([QueueTrigger(QueueName, Connection = Storage.StorageExtensions.ConnectionName)] string message, FunctionContext context)
    {
        var result = await batcher.ProcessAsync(message);
        if (result.Succeeded)
            return;
        var dequeueCount = long.TryParse(context.BindingValue("DequeueCount"), out var count) ? count : 1;
        if (dequeueCount >= queues.MaxDequeueCount)
            await poison.RecordAsync(context.BindingValue("Id") ?? context.InvocationId, message, result.Message, result.FailureReason!, dequeueCount, context.CancellationToken);
        throw new AggregationFailedException(result.FailureReason!);
    }
}
