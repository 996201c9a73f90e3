using Azure;
using Azure.Data.Tables;
using PeerEval.Functions.Aggregation;
using PeerEval.Functions.Submissions;

namespace PeerEval.Functions.Admin;

public sealed record ErasureResult(string ServiceId, int ErasedSubmissions, string AuditId);

/// <summary>One audited admin action: what, on how many submissions, by which key, when; never whom.</summary>
public sealed record AuditEntry(string Id, string? Action, int? Submissions, string? RequestedBy, DateTimeOffset? At);

/// <summary>
/// Erases one participant: their submissions become bare tombstones first (ids and status only, so a
/// late queue message finds nothing to count, and a fold already under way sees the change when it
/// marks its work), then their history is emptied, every month they touched is recomputed, and every
/// row keyed by their pseudonym is removed. The audit record says what was done and by which key, never to whom.
/// </summary>
public sealed class Erasure(
    Storage.StorageClients storage, SubmissionStore submissions, ParticipantHasher hasher, ParticipantLedger ledger, Aggregator aggregator,
    Forms.InvitationStore invitations, TimeProvider clock)
{
    public async Task<ErasureResult> EraseAsync(string serviceId, string participantRef, string requestedByKeyId, CancellationToken ct)
    {
        var participant = hasher.Hash(serviceId, participantRef);
        // Their open invitations first, so no new answers arrive for them while the rest is done.
        await invitations.DeleteForAsync(serviceId, participant, ct);
        var erased = await submissions.EraseParticipantAsync(serviceId, participant, ct);

        await aggregator.ForgetAsync(await ledger.ReplaceAsync(serviceId, participant, [], ct), ct);

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

    /// <summary>The service's latest 100 audited actions, newest first (row keys count down in time).</summary>
    public async Task<IReadOnlyList<AuditEntry>> AuditAsync(string serviceId, CancellationToken ct) =>
        await storage.AuditLog.QueryAsync<TableEntity>(e => e.PartitionKey == serviceId, maxPerPage: 100, cancellationToken: ct)
            .Take(100)
            .Select(e => new AuditEntry(e.RowKey, e.GetString("Action"), e.GetInt32("Submissions"), e.GetString("RequestedBy"), e.GetDateTimeOffset("At")))
            .ToListAsync(ct);
}
