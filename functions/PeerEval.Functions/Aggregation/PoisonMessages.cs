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
        if (message is null)
            return;
        try
        {
            // Rejected never counts, and an erased submission stays a tombstone; either may have reached a history before this failed.
            var (row, _) = await submissions.SetStatusUnlessErasedAsync(message.ServiceId, message.SubmissionId, SubmissionStatus.Rejected, reason, ct);
            await TakeBackAsync(message, row, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The poison queue keeps the message: replaying it finishes what failed here.
            logger.LogWarning("Withdrawing the submission of message {MessageId} failed: {Error}", messageId, e.GetType().Name);
        }
    }

    /// <summary>
    /// Takes a submission back out of the history (and months) it may have reached. An erased row no longer
    /// names its participant, so that comes from what the message carried; a bare reference never adds to a history.
    /// </summary>
    private Task TakeBackAsync(SubmissionMessage message, StoredSubmission? row, CancellationToken ct)
    {
        var participant = message.Participant is { Length: > 0 } carried ? carried : row?.ParticipantHash;
        if (participant is not { Length: > 0 })
            return Task.CompletedTask;
        var months = message.Observation is { } observation ? Domain.Aggregation.Contributions.Compute([observation]).Keys.ToList() : [];
        return aggregator.TakeBackAsync(message.ServiceId, participant, [message.SubmissionId], months, ct);
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

    /// <summary>
    /// Sends every poison message back to its work queue, except those of erased submissions. A message whose
    /// replay fails (storage failing again) stays in the poison queue, visible at once, and the replay stops
    /// after the batch it was in: <see cref="ReplayResult.Failed"/> above zero asks for another call later.
    /// </summary>
    public async Task<ReplayResult> ReplayAsync(CancellationToken ct)
    {
        var submissionsReplay = await ReplayAsync(storage.PoisonQueue, storage.SubmissionQueue, AdmitSubmissionAsync, ct);
        // A network fold reads everything afresh, so its messages go back as they are.
        var networkReplay = await ReplayAsync(storage.NetworkPoisonQueue, storage.NetworkQueue, (text, _) => Task.FromResult<string?>(text), ct);
        return new ReplayResult(submissionsReplay.Replayed + networkReplay.Replayed, submissionsReplay.Failed + networkReplay.Failed);
    }

    /// <param name="admit">What goes back to the work queue for a poison message, or null for nothing.</param>
    private async Task<ReplayResult> ReplayAsync(QueueClient poison, QueueClient work, Func<string, CancellationToken, Task<string?>> admit, CancellationToken ct)
    {
        var (replayed, failed) = (0, 0);
        while (failed == 0)
        {
            var batch = (await poison.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(1), ct)).Value;
            if (batch.Length == 0)
                break;
            foreach (var poisoned in batch)
            {
                try
                {
                    if (await admit(poisoned.MessageText, ct) is { } text)
                    {
                        await work.SendMessageAsync(text, ct);
                        replayed++;
                    }
                    await poison.DeleteMessageAsync(poisoned.MessageId, poisoned.PopReceipt, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning("Replaying poison message {MessageId} failed: {Error}", poisoned.MessageId, e.GetType().Name);
                    await poison.UpdateMessageAsync(poisoned.MessageId, poisoned.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: ct);
                    failed++;
                }
            }
        }
        return new ReplayResult(replayed, failed);
    }

    /// <summary>
    /// A submission goes back queued, carrying its row as it is now (rejected or queued since intake), unless it was
    /// erased meanwhile: then what the message carried is taken back out of the history it may have reached, and nothing goes back.
    /// </summary>
    private async Task<string?> AdmitSubmissionAsync(string text, CancellationToken ct)
    {
        if (ReadMessage(text) is not { } message)
            return text; // not a submission reference: it goes back as it came, and is poisoned again with its reason
        var (row, queued) = await submissions.SetStatusUnlessErasedAsync(message.ServiceId, message.SubmissionId, SubmissionStatus.Queued, null, ct);
        if (row is null)
            return message.Reference.ToJson(); // nothing stored: it fails again, with its reason
        if (queued is not { } etag)
        {
            await TakeBackAsync(message, row, ct);
            return null;
        }
        return SubmissionMessage.Carrying(row with { ETag = etag }).ToJson();
    }

    private static SubmissionMessage? ReadMessage(string text)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<SubmissionMessage>(text, PeerEval.Domain.DomainJson.Options) is { ServiceId.Length: > 0, SubmissionId.Length: > 0 } message ? message : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
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

/// <summary>What a replay did: messages sent back, and messages left in the poison queue because replaying them failed.</summary>
public sealed record ReplayResult(int Replayed, int Failed);

public sealed record PoisonRecord(string MessageId, string? Message, string? Reason, long DequeueCount, DateTimeOffset? FailedAt);
