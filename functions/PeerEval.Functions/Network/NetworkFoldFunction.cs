using System.Text.Json;
using Azure;
using Microsoft.Azure.Functions.Worker;
using PeerEval.Domain;
using PeerEval.Functions.Aggregation;
using PeerEval.Functions.Hosting;

namespace PeerEval.Functions.Network;

/// <summary>A network message that could not be folded; the host retries it, then moves it to the poison queue.</summary>
public sealed class NetworkFoldFailedException(string reason, Exception? inner = null) : Exception(reason, inner);

public sealed class NetworkFoldFunction(NetworkPool pool, Aggregation.ReportRows reports, PoisonMessages poison, HostQueueSettings queues, Storage.StorageClients storage)
{
    public const string QueueName = "%" + Storage.StorageOptions.PrefixSetting + "%" + Storage.StorageNames.NetworkQueueName;

    /// <summary>How many months of a joining or leaving service are folded at once.</summary>
    private const int Parallelism = 4;

    /// <summary>
    /// Folds one service's month (or, when it joins or leaves, all its months) into the network's pool. A
    /// failure throws, so the host makes the message visible again; on the last try the reason is recorded
    /// first, as for submissions.
    /// </summary>
    [Function("FoldIntoNetwork")]
    public async Task RunAsync([QueueTrigger(QueueName, Connection = Storage.StorageExtensions.ConnectionName)] string message, FunctionContext context)
    {
        var ct = context.CancellationToken;
        try
        {
            var parsed = Parse(message);
            if (parsed.Month is { } month)
                await pool.FoldAsync(parsed.ServiceId, month, ct);
            else
                await Parallel.ForEachAsync(await reports.ListMonthsAsync(parsed.ServiceId, ct),
                    new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct },
                    async (m, token) => await pool.FoldAsync(parsed.ServiceId, m, token));
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var dequeueCount = long.TryParse(context.BindingValue("DequeueCount"), out var count) ? count : 1;
            var reason = e is RequestFailedException { Status: > 0 } failed ? $"{e.GetType().Name} ({failed.Status} {failed.ErrorCode})" : $"{e.GetType().Name}: {e.Message.Split('\n', 2)[0]}";
            if (dequeueCount >= queues.MaxDequeueCount)
                await poison.RecordReasonAsync(storage.Names.NetworkPoisonQueue, context.BindingValue("Id") ?? context.InvocationId, message, reason, dequeueCount, ct);
            throw new NetworkFoldFailedException(reason, e);
        }
    }

    private static NetworkMessage Parse(string text)
    {
        try
        {
            if (JsonSerializer.Deserialize<NetworkMessage>(text, DomainJson.Options) is { ServiceId.Length: > 0 } message
                && (message.Month is null || new Domain.Reports.ReportingCalendar().TryParse(Domain.Reports.Granularity.Month, message.Month, out _)))
                return message;
        }
        catch (JsonException)
        {
        }
        throw new NetworkFoldFailedException("The message is not a network fold ({\"serviceId\", \"month\"?}).");
    }
}
