using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using PeerEval.Functions.Submissions;

namespace PeerEval.Functions.Aggregation;

/// <summary>
/// Keeps the reason a message was given up on (the poison queue holds only the message itself), and
/// replays poison messages once their cause is fixed: the submissions' and the network's.
/// </summary>
public sealed class PoisonMessages(Storage.StorageClients storage, SubmissionStore submissions, Aggregator aggregator, TimeProvider clock, ILogger<PoisonMessages> logger)
{
    public async Task RecordAsync(string messageId, string messageText, SubmissionMessage? message, string reason, long dequeueCount, CancellationToken ct)
    {
        // The reference, not what the message carries of the submission: a failure record is no copy of it.
        await RecordReasonAsync(storage.Names.PoisonQueue, messageId, message?.Reference.ToJson() ?? messageText, reason, dequeueCount, ct);
        // An erased submission stays erased: a tombstone is never shown as rejected, nor replayed.
        if (message is null || (await submissions.FindAsync(message.ServiceId, message.SubmissionId, ct))?.Status == SubmissionStatus.Erased)
            return;
        await submissions.SetStatusAsync(message.ServiceId, message.SubmissionId, SubmissionStatus.Rejected, reason, ct);
        try
        {
            await aggregator.WithdrawAsync(message.ServiceId, message.SubmissionId, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The history no longer holds it if that step succeeded; the next fold for the participant, or a rebuild, finishes the rest.
            logger.LogWarning("Withdrawing rejected submission from message {MessageId} failed: {Error}", messageId, e.GetType().Name);
        }
    }

    /// <summary>Why a message of the given poison queue was given up on (never its content beyond the message itself).</summary>
    public async Task RecordReasonAsync(string poisonQueue, string messageId, string messageText, string reason, long dequeueCount, CancellationToken ct)
    {
        logger.LogWarning("Message {MessageId} failed {DequeueCount} times and is poisoned: {Reason}", messageId, dequeueCount, reason);
        await storage.Failures.UpsertEntityAsync(new TableEntity(poisonQueue, messageId)
        {
            ["Message"] = messageText.Length > 1024 ? messageText[..1024] : messageText,
            ["Reason"] = reason,
            ["DequeueCount"] = dequeueCount,
            ["FailedAt"] = clock.GetUtcNow(),
        }, TableUpdateMode.Replace, ct);
    }

    /// <summary>Sends every poison message back to its work queue, except those of erased submissions; returns how many.</summary>
    public async Task<int> ReplayAsync(CancellationToken ct) =>
        await ReplayAsync(storage.PoisonQueue, storage.SubmissionQueue, AdmitSubmissionAsync, ct)
        // A network fold reads everything afresh, so its messages go back as they are.
        + await ReplayAsync(storage.NetworkPoisonQueue, storage.NetworkQueue, (text, _) => Task.FromResult<string?>(text), ct);

    /// <param name="admit">What goes back to the work queue for a poison message, or null for nothing.</param>
    private async Task<int> ReplayAsync(QueueClient poison, QueueClient work, Func<string, CancellationToken, Task<string?>> admit, CancellationToken ct)
    {
        var replayed = 0;
        while (true)
        {
            var batch = (await poison.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(1), ct)).Value;
            if (batch.Length == 0)
                return replayed;
            foreach (var poisoned in batch)
            {
                if (await admit(poisoned.MessageText, ct) is { } text)
                {
                    await work.SendMessageAsync(text, ct);
                    replayed++;
                }
                await poison.DeleteMessageAsync(poisoned.MessageId, poisoned.PopReceipt, ct);
            }
        }
    }

    /// <summary>
    /// A submission goes back queued, unless it was erased meanwhile, as its reference alone: the row
    /// changed since intake (rejected, queued again), so it is read afresh.
    /// </summary>
    private async Task<string?> AdmitSubmissionAsync(string text, CancellationToken ct)
    {
        var message = ReadMessage(text);
        if (message is not null && (await submissions.FindAsync(message.ServiceId, message.SubmissionId, ct))?.Status == SubmissionStatus.Erased)
            return null;
        if (message is not null)
            await submissions.SetStatusAsync(message.ServiceId, message.SubmissionId, SubmissionStatus.Queued, null, ct);
        return message?.Reference.ToJson() ?? text;
    }

    private static SubmissionMessage? ReadMessage(string text)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<SubmissionMessage>(text, PeerEval.Domain.DomainJson.Options);
        }
        catch (System.Text.Json.JsonException)
        {
            return null; // not a submission reference: it goes back as it came, and is poisoned again with its reason
        }
    }

    public async Task<IReadOnlyList<PoisonRecord>> ListAsync(CancellationToken ct)
    {
        var records = new List<PoisonRecord>();
        var (submissionPoison, networkPoison) = (storage.Names.PoisonQueue, storage.Names.NetworkPoisonQueue);
        await foreach (var entity in storage.Failures.QueryAsync<TableEntity>(e => e.PartitionKey == submissionPoison || e.PartitionKey == networkPoison, cancellationToken: ct))
            records.Add(new PoisonRecord(entity.RowKey, entity.GetString("Message"), entity.GetString("Reason"), entity.GetInt64("DequeueCount") ?? 0, entity.GetDateTimeOffset("FailedAt")));
        return records;
    }
}

public sealed record PoisonRecord(string MessageId, string? Message, string? Reason, long DequeueCount, DateTimeOffset? FailedAt);
