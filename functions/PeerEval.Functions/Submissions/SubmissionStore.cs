using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using PeerEval.Domain;
using PeerEval.Domain.Aggregation;
using PeerEval.Domain.Submissions;
using PeerEval.Functions.Storage;

namespace PeerEval.Functions.Submissions;

public static class SubmissionStatus
{
    public const string Queued = "queued";
    public const string Aggregated = "aggregated";
    public const string Rejected = "rejected";
    public const string Erased = "erased";
}

/// <summary>
/// The queue message: where the stored submission is and, from intake, what aggregation needs of it (the
/// participant's pseudonym, the observation, the row's ETag as stored), so the aggregator need not read the
/// row back. The ETag makes that safe: marking the row aggregated is conditional on it, so a row changed
/// meanwhile (an erasure) is looked at again. Replays carry the row too; a message with the reference alone
/// (sent by hand) is read and queued again carrying it, never folded as it is.
/// </summary>
public sealed record SubmissionMessage(
    string ServiceId, string SubmissionId, string? Participant = null, Observation? Observation = null, string? ETag = null, bool NewParticipant = false)
{
    /// <summary>Which submission: two messages for one submission are the same work.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public (string ServiceId, string SubmissionId) Key => (ServiceId, SubmissionId);

    /// <summary>The submission as intake stored it, when the message carries it.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public StoredSubmission? Carried => Participant is { Length: > 0 } && Observation is not null && ETag is { Length: > 0 }
        ? new StoredSubmission(ServiceId, SubmissionId, Participant, SubmissionStatus.Queued, null, Observation, new ETag(ETag))
        : null;

    /// <summary>The reference alone: what failure records keep, never the content.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public SubmissionMessage Reference => new(ServiceId, SubmissionId);

    /// <summary>A message carrying a stored row as it was read, its ETag included.</summary>
    public static SubmissionMessage Carrying(StoredSubmission row) => new(row.ServiceId, row.SubmissionId, row.ParticipantHash, row.Observation, row.ETag.ToString());

    public string ToJson() => JsonSerializer.Serialize(this, DomainJson.Options);
}

public enum AcceptOutcome { Accepted, Repeated, Conflict, InvitationUsed, InvitationExpired, FormClosed }

/// <summary>
/// A row of the submissions table, typed. An erased row keeps only its id and status. The ETag is the
/// row's as read, so a later status change can be made only if nothing (an erasure) changed it meanwhile.
/// </summary>
public sealed record StoredSubmission(string ServiceId, string SubmissionId, string ParticipantHash, string Status, string? Reason, Observation? Observation, ETag ETag)
{
    public static StoredSubmission From(TableEntity entity) => new(
        entity.PartitionKey,
        entity.RowKey,
        entity.GetString(Columns.Participant) ?? "",
        entity.GetString(Columns.Status) ?? SubmissionStatus.Queued,
        entity.GetString(Columns.Reason) is { Length: > 0 } reason ? reason : null,
        entity.GetString(Columns.Observation) is { } json ? JsonSerializer.Deserialize<Observation>(json, DomainJson.Options) : null,
        entity.ETag);
}

/// <summary>The submissions table's column names: only <see cref="SubmissionStore"/> and the row type use them.</summary>
internal static class Columns
{
    public const string Participant = "Participant";
    public const string Occasion = "Occasion";
    public const string CompletedOn = "CompletedOn";
    public const string Observation = "Observation";
    public const string Answers = "Answers";
    public const string BodyHash = "BodyHash";
    public const string Status = "Status";
    public const string Reason = "Reason";
    public const string ReceivedAt = "ReceivedAt";
    public const string AggregatedAt = "AggregatedAt";
}

/// <summary>
/// The submissions table's one owner: every read and write of a submission row goes through here,
/// so the row's shape and its status changes live in one place.
/// </summary>
public sealed class SubmissionStore(Storage.StorageClients storage, TimeProvider clock)
{
    /// <summary>
    /// Stores the submission, then enqueues it. A repeat of the same body re-enqueues while still queued,
    /// so a client retry after a failed enqueue heals it; aggregation counts each submission once anyway.
    /// <paramref name="newParticipant"/> says intake found no history for the person: a hint that lets
    /// the aggregator add their history without reading it first (an add fails if it exists after all).
    /// </summary>
    public async Task<AcceptOutcome> AcceptAsync(string serviceId, SubmissionRequest request, string participantHash, bool newParticipant, CancellationToken cancellationToken)
    {
        var observation = Observation.From(request);
        var bodyHash = BodyHash(request, participantHash);
        var entity = new TableEntity(serviceId, request.SubmissionId)
        {
            [Columns.Participant] = participantHash,
            [Columns.Occasion] = request.Occasion.ToName(),
            [Columns.CompletedOn] = request.CompletedOn.ToString("yyyy-MM-dd"),
            [Columns.Observation] = JsonSerializer.Serialize(observation, DomainJson.Options),
            [Columns.Answers] = JsonSerializer.Serialize(AnswersOf(request), DomainJson.Options),
            [Columns.BodyHash] = bodyHash,
            [Columns.Status] = SubmissionStatus.Queued,
            [Columns.ReceivedAt] = clock.GetUtcNow(),
        };

        var outcome = AcceptOutcome.Accepted;
        ETag stored;
        try
        {
            stored = (await storage.Submissions.AddEntityAsync(entity, cancellationToken)).Headers.ETag ?? default;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = (await storage.Submissions.GetEntityAsync<TableEntity>(serviceId, request.SubmissionId, cancellationToken: cancellationToken)).Value;
            if (existing.GetString(Columns.BodyHash) != bodyHash)
                return AcceptOutcome.Conflict;
            if (existing.GetString(Columns.Status) != SubmissionStatus.Queued)
                return AcceptOutcome.Repeated;
            outcome = AcceptOutcome.Repeated;
            stored = existing.ETag;
        }
        var message = new SubmissionMessage(serviceId, request.SubmissionId, participantHash, observation, stored.ToString(), newParticipant);
        await storage.SubmissionQueue.SendMessageAsync(message.ToJson(), cancellationToken);
        return outcome;
    }

    public async Task<StoredSubmission?> FindAsync(string serviceId, string submissionId, CancellationToken cancellationToken)
    {
        try
        {
            var response = await storage.Submissions.GetEntityIfExistsAsync<TableEntity>(serviceId, submissionId, cancellationToken: cancellationToken);
            return response.HasValue ? StoredSubmission.From(response.Value!) : null;
        }
        catch (RequestFailedException e) when (e.Status == 400)
        {
            return null; // an id storage cannot hold (a message sent by hand): no submission has it
        }
    }

    /// <summary>Queues a stored submission for aggregation, carrying the row as read.</summary>
    public Task EnqueueAsync(StoredSubmission row, CancellationToken cancellationToken) =>
        storage.SubmissionQueue.SendMessageAsync(SubmissionMessage.Carrying(row).ToJson(), cancellationToken);

    /// <summary>Every stored submission of a service, erased ones included (as tombstones).</summary>
    public async IAsyncEnumerable<StoredSubmission> ListAsync(string serviceId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entity in storage.Submissions.QueryAsync<TableEntity>(e => e.PartitionKey == serviceId, cancellationToken: cancellationToken))
            yield return StoredSubmission.From(entity);
    }

    /// <summary>
    /// Marks submissions as counted, and when (ReceivedAt to AggregatedAt is a submission's lag into the
    /// reports), each only if its row is still as it was read, so an erasure in between is never
    /// overwritten. Returns the submissions whose rows changed meanwhile, for the caller to look at again.
    /// </summary>
    public async Task<IReadOnlyList<StoredSubmission>> MarkAggregatedAsync(IReadOnlyList<StoredSubmission> submissions, CancellationToken cancellationToken)
    {
        var changed = new List<StoredSubmission>();
        foreach (var service in submissions.GroupBy(s => s.ServiceId))
        {
            foreach (var chunk in service.Chunk(EntityGroup.MaxOperations))
            {
                var group = new EntityGroup(service.Key);
                foreach (var submission in chunk)
                    group.Add(TableTransactionActionType.UpdateMerge, AggregatedMark(service.Key, submission.SubmissionId), submission.ETag);
                try
                {
                    await group.SubmitAsync(storage.Submissions, cancellationToken);
                }
                catch (TableTransactionFailedException e) when (e.Status is 404 or 412)
                {
                    // Some row changed meanwhile: mark the others one by one.
                    foreach (var submission in chunk)
                    {
                        try
                        {
                            await storage.Submissions.UpdateEntityAsync(AggregatedMark(submission.ServiceId, submission.SubmissionId), submission.ETag, TableUpdateMode.Merge, cancellationToken);
                        }
                        catch (RequestFailedException x) when (x.Status is 404 or 412)
                        {
                            changed.Add(submission);
                        }
                    }
                }
            }
        }
        return changed;
    }

    /// <summary>
    /// Sets a submission's status (rejected with its reason, or queued again on replay) unless it is erased: the
    /// change is conditional on the row as read, so a tombstone stays one. Returns the row as read (null when there
    /// is none) and, when the status was set, the row's ETag after.
    /// </summary>
    public async Task<(StoredSubmission? Row, ETag? Set)> SetStatusUnlessErasedAsync(string serviceId, string submissionId, string status, string? reason, CancellationToken cancellationToken)
    {
        while (true)
        {
            var row = await FindAsync(serviceId, submissionId, cancellationToken);
            if (row is null or { Status: SubmissionStatus.Erased })
                return (row, null);
            try
            {
                var change = new TableEntity(serviceId, submissionId) { [Columns.Status] = status, [Columns.Reason] = reason ?? "" };
                return (row, (await storage.Submissions.UpdateEntityAsync(change, row.ETag, TableUpdateMode.Merge, cancellationToken)).Headers.ETag);
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                // Changed (an erasure?) or removed since it was read: look again.
            }
        }
    }

    /// <summary>Turns every submission of one participant into a bare tombstone (id and status only); returns how many.</summary>
    public async Task<int> EraseParticipantAsync(string serviceId, string participantHash, CancellationToken cancellationToken)
    {
        var erased = 0;
        await foreach (var row in storage.Submissions.QueryAsync<TableEntity>(
            e => e.PartitionKey == serviceId && e.GetString(Columns.Participant) == participantHash, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            await storage.Submissions.UpdateEntityAsync(new TableEntity(serviceId, row.RowKey) { [Columns.Status] = SubmissionStatus.Erased },
                ETag.All, TableUpdateMode.Replace, cancellationToken);
            erased++;
        }
        return erased;
    }

    private TableEntity AggregatedMark(string serviceId, string submissionId) =>
        new(serviceId, submissionId) { [Columns.Status] = SubmissionStatus.Aggregated, [Columns.AggregatedAt] = clock.GetUtcNow() };

    private static object AnswersOf(SubmissionRequest request) =>
        request.Responses.Select(r => new
        {
            instrument = r.Instrument.Id,
            version = r.Instrument.Version,
            answers = new SortedDictionary<string, int?>(r.Answers.ToDictionary(), StringComparer.Ordinal),
        });

    /// <summary>A hash of the submission's meaning, so the same body re-sent with other whitespace or order is the same body.</summary>
    private static string BodyHash(SubmissionRequest request, string participantHash)
    {
        var canonical = JsonSerializer.SerializeToUtf8Bytes(new
        {
            request.SubmissionId,
            participantHash,
            occasion = request.Occasion.ToName(),
            request.CompletedOn,
            responses = AnswersOf(request),
            request.Stay,
            request.Context,
        }, DomainJson.Options);
        return Convert.ToHexStringLower(SHA256.HashData(canonical));
    }
}
