using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using PeerEval.Domain;
using PeerEval.Domain.Aggregation;
using PeerEval.Domain.Submissions;

namespace PeerEval.Functions.Submissions;

public static class SubmissionStatus
{
    public const string Queued = "queued";
    public const string Aggregated = "aggregated";
    public const string Rejected = "rejected";
    public const string Erased = "erased";
}

/// <summary>The queue message: only where to find the stored submission, never its content.</summary>
public sealed record SubmissionMessage(string ServiceId, string SubmissionId)
{
    public string ToJson() => JsonSerializer.Serialize(this, DomainJson.Options);
}

public enum AcceptOutcome { Accepted, Repeated, Conflict }

/// <summary>A stored submission as aggregation sees it.</summary>
public sealed record StoredSubmission(string ServiceId, string SubmissionId, string ParticipantHash, string Status, Observation? Observation)
{
    public static StoredSubmission From(TableEntity entity) => new(
        entity.PartitionKey,
        entity.RowKey,
        entity.GetString("Participant") ?? "",
        entity.GetString("Status") ?? SubmissionStatus.Queued,
        entity.GetString("Observation") is { } json ? JsonSerializer.Deserialize<Observation>(json, DomainJson.Options) : null);
}

public sealed class SubmissionStore(Storage.Storage storage, TimeProvider clock)
{
    /// <summary>
    /// Stores the submission, then enqueues it. A repeat of the same body re-enqueues while still queued,
    /// so a client retry after a failed enqueue heals it; aggregation counts each submission once anyway.
    /// </summary>
    public async Task<AcceptOutcome> AcceptAsync(string serviceId, SubmissionRequest request, string participantHash, CancellationToken cancellationToken)
    {
        var observation = Observation.From(request);
        var bodyHash = BodyHash(request, participantHash);
        var entity = new TableEntity(serviceId, request.SubmissionId)
        {
            ["Participant"] = participantHash,
            ["Occasion"] = request.Occasion.ToName(),
            ["CompletedOn"] = request.CompletedOn.ToString("yyyy-MM-dd"),
            ["Observation"] = JsonSerializer.Serialize(observation, DomainJson.Options),
            ["Answers"] = JsonSerializer.Serialize(AnswersOf(request), DomainJson.Options),
            ["BodyHash"] = bodyHash,
            ["Status"] = SubmissionStatus.Queued,
            ["ReceivedAt"] = clock.GetUtcNow(),
        };

        var outcome = AcceptOutcome.Accepted;
        try
        {
            await storage.Submissions.AddEntityAsync(entity, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = (await storage.Submissions.GetEntityAsync<TableEntity>(serviceId, request.SubmissionId, cancellationToken: cancellationToken)).Value;
            if (existing.GetString("BodyHash") != bodyHash)
                return AcceptOutcome.Conflict;
            if (existing.GetString("Status") != SubmissionStatus.Queued)
                return AcceptOutcome.Repeated;
            outcome = AcceptOutcome.Repeated;
        }
        await storage.SubmissionQueue.SendMessageAsync(new SubmissionMessage(serviceId, request.SubmissionId).ToJson(), cancellationToken);
        return outcome;
    }

    public async Task<TableEntity?> FindAsync(string serviceId, string submissionId, CancellationToken cancellationToken)
    {
        var response = await storage.Submissions.GetEntityIfExistsAsync<TableEntity>(serviceId, submissionId, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

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
        }, DomainJson.Options);
        return Convert.ToHexStringLower(SHA256.HashData(canonical));
    }
}
