using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Options;
using PeerEval.Functions.Submissions;

namespace PeerEval.Functions.Aggregation;

/// <summary>
/// Standalone, the app drains its own queue the way the Functions host would: batches, a lease while
/// processing, a growing delay between tries, and the poison queue after the last try.
/// </summary>
public sealed class QueueListener(
    Storage.Storage storage, Aggregator aggregator, PoisonMessages poison, IOptions<QueueOptions> options, ILogger<QueueListener> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.Concurrency).Select(_ => PollAsync(stoppingToken)));

    private async Task PollAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var idleDelay = settings.MinPollingInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var received = (await storage.SubmissionQueue.ReceiveMessagesAsync(settings.BatchSize, settings.LeaseTime, stoppingToken)).Value;
                if (received.Length == 0)
                {
                    await Task.Delay(idleDelay, stoppingToken);
                    idleDelay = TimeSpan.FromTicks(Math.Min(idleDelay.Ticks * 2, settings.MaxPollingInterval.Ticks));
                    continue;
                }
                idleDelay = settings.MinPollingInterval;
                await HandleAsync(received, settings, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Storage trouble: messages stay leased and come back; wait before polling again.
                logger.LogError(e, "Queue polling failed; retrying.");
                await Task.Delay(settings.MaxPollingInterval, stoppingToken);
            }
        }
    }

    private async Task HandleAsync(QueueMessage[] received, QueueOptions settings, CancellationToken ct)
    {
        var results = await aggregator.ProcessAsync(received.Select(m => m.MessageText).ToList(), ct);
        await Task.WhenAll(received.Zip(results).Select(async pair =>
        {
            var (message, result) = pair;
            if (result.Succeeded)
                await storage.SubmissionQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
            else if (message.DequeueCount >= settings.MaxDequeueCount)
                await poison.PoisonAsync(message, result.Message, result.FailureReason!, ct);
            else
                await storage.SubmissionQueue.UpdateMessageAsync(message.MessageId, message.PopReceipt,
                    visibilityTimeout: settings.RetryDelay * Math.Pow(2, message.DequeueCount - 1), cancellationToken: ct);
        }));
    }
}
