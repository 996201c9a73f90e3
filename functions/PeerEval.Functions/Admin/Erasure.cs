using Azure;
using Azure.Data.Tables;
using PeerEval.Functions.Aggregation;
using PeerEval.Functions.Submissions;

namespace PeerEval.Functions.Admin;

public sealed record ErasureResult(string ServiceId, int ErasedSubmissions, string AuditId);

/// <summary>
/// Erases one participant: their submissions become bare tombstones (ids and status only, so a late
/// queue message finds nothing to count), their history is emptied as a new version, and every month
/// they touched is recomputed. The audit record says what was done and by which key, never to whom.
/// </summary>
public sealed class Erasure(Storage.Storage storage, ParticipantHasher hasher, ParticipantLedger ledger, Aggregator aggregator, TimeProvider clock)
{
    public async Task<ErasureResult> EraseAsync(string serviceId, string participantRef, string requestedByKeyId, CancellationToken ct)
    {
        var participant = hasher.Hash(serviceId, participantRef);
        var erased = 0;
        await foreach (var row in storage.Submissions.QueryAsync<TableEntity>(
            e => e.PartitionKey == serviceId && e.GetString("Participant") == participant, select: ["PartitionKey", "RowKey"], cancellationToken: ct))
        {
            await storage.Submissions.UpdateEntityAsync(new TableEntity(serviceId, row.RowKey)
            {
                ["Status"] = SubmissionStatus.Erased,
            }, ETag.All, TableUpdateMode.Replace, ct);
            erased++;
        }

        var state = await ledger.ReplaceAsync(serviceId, participant, [], ct);
        await aggregator.ApplyToReportsAsync([state], ct);

        var now = clock.GetUtcNow();
        var auditId = $"{DateTimeOffset.MaxValue.Ticks - now.Ticks:D19}-{Guid.NewGuid():N}";
        await storage.AuditLog.AddEntityAsync(new TableEntity(serviceId, auditId)
        {
            ["Action"] = "erase-participant",
            ["Submissions"] = erased,
            ["RequestedBy"] = requestedByKeyId,
            ["At"] = now,
        }, ct);
        return new ErasureResult(serviceId, erased, auditId);
    }
}
