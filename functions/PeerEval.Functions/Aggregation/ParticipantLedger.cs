using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using PeerEval.Domain;
using PeerEval.Domain.Aggregation;

namespace PeerEval.Functions.Aggregation;

/// <summary>A participant's history at one version, and what it contributes to each month.</summary>
public sealed class ParticipantState
{
    public ParticipantState(string serviceId, string participantHash, long version, IReadOnlyList<Observation> history, IEnumerable<string> earlierMonths)
    {
        ServiceId = serviceId;
        ParticipantHash = participantHash;
        Version = version;
        History = history;
        ContributionsByMonth = Contributions.Compute(history);
        Months = earlierMonths.Union(ContributionsByMonth.Keys).ToHashSet(StringComparer.Ordinal);
    }

    public string ServiceId { get; }
    public string ParticipantHash { get; }
    public long Version { get; }
    public IReadOnlyList<Observation> History { get; }
    public SortedDictionary<string, MonthContribution> ContributionsByMonth { get; }

    /// <summary>Every month contributed to at this or any earlier version, so a month the participant leaves is withdrawn from.</summary>
    public IReadOnlySet<string> Months { get; }
}

/// <summary>
/// One row per participant (partition: service, row: participant hash) holding their observations.
/// Every change bumps the version under an ETag, which orders the report writes that follow.
/// </summary>
public sealed class ParticipantLedger(Storage.StorageClients storage)
{
    private const int MaxAttempts = 20;

    /// <summary>Adds observations not yet recorded (a redelivery adds nothing) and returns the participant's current state.</summary>
    public Task<ParticipantState> RecordAsync(string serviceId, string participantHash, IReadOnlyList<Observation> observations, CancellationToken ct) =>
        ChangeAsync(serviceId, participantHash, history =>
        {
            var known = history.Select(o => o.SubmissionId).ToHashSet(StringComparer.Ordinal);
            var added = observations.Where(o => !known.Contains(o.SubmissionId)).DistinctBy(o => o.SubmissionId).ToList();
            return added.Count == 0 ? null : [.. history, .. added];
        }, ct);

    /// <summary>Takes submissions out of the history, where they are there; null when none was.</summary>
    public async Task<ParticipantState?> RemoveAsync(string serviceId, string participantHash, IReadOnlyCollection<string> submissionIds, CancellationToken ct)
    {
        var removed = false;
        var state = await ChangeAsync(serviceId, participantHash, history =>
            (removed = history.Any(o => submissionIds.Contains(o.SubmissionId))) ? history.Where(o => !submissionIds.Contains(o.SubmissionId)).ToList() : null, ct);
        return removed ? state : null;
    }

    /// <summary>Deletes the participant's row if their history is still empty; a row that has gained a submission since stays.</summary>
    public async Task DeleteIfEmptyAsync(string serviceId, string participantHash, CancellationToken ct)
    {
        var response = await storage.Participants.GetEntityIfExistsAsync<TableEntity>(serviceId, participantHash, cancellationToken: ct);
        if (!response.HasValue || Read(response.Value!).History.Count > 0)
            return;
        try
        {
            await storage.Participants.DeleteEntityAsync(serviceId, participantHash, response.Value!.ETag, ct);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Gone already, or changed: a later write owns the row now.
        }
    }

    /// <summary>Replaces the history outright (rebuild, erasure), always as a new version.</summary>
    public Task<ParticipantState> ReplaceAsync(string serviceId, string participantHash, IReadOnlyList<Observation> history, CancellationToken ct) =>
        ChangeAsync(serviceId, participantHash, _ => history, ct);

    private async Task<ParticipantState> ChangeAsync(
        string serviceId, string participantHash, Func<IReadOnlyList<Observation>, IReadOnlyList<Observation>?> change, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await storage.Participants.GetEntityIfExistsAsync<TableEntity>(serviceId, participantHash, cancellationToken: ct);
            var entity = response.HasValue ? response.Value! : null;
            var current = entity is null ? new ParticipantState(serviceId, participantHash, 0, [], []) : Read(entity);
            if (change(current.History) is not { } history)
                return current;

            var next = new ParticipantState(serviceId, participantHash, current.Version + 1, history, current.Months);
            try
            {
                var row = Write(next);
                if (entity is null)
                    await storage.Participants.AddEntityAsync(row, ct);
                else
                    await storage.Participants.UpdateEntityAsync(row, entity.ETag, TableUpdateMode.Replace, ct);
                return next;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < MaxAttempts)
            {
                await Task.Delay(Random.Shared.Next(5, 20 * attempt), ct);
            }
        }
    }

    /// <summary>How many submissions the participant's history holds, read without the history itself.</summary>
    public async Task<bool> ExistsAsync(string serviceId, string participantHash, CancellationToken ct) =>
        (await storage.Participants.GetEntityIfExistsAsync<TableEntity>(serviceId, participantHash, select: ["Version"], cancellationToken: ct)).HasValue;

    public async Task<int> CountAsync(string serviceId, string participantHash, CancellationToken ct)
    {
        var response = await storage.Participants.GetEntityIfExistsAsync<TableEntity>(serviceId, participantHash, select: ["Submissions"], cancellationToken: ct);
        return response.HasValue ? response.Value!.GetInt32("Submissions") ?? 0 : 0;
    }

    public async IAsyncEnumerable<ParticipantState> ListAsync(string serviceId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var entity in storage.Participants.QueryAsync<TableEntity>(e => e.PartitionKey == serviceId, cancellationToken: ct))
            yield return Read(entity);
    }

    private static ParticipantState Read(TableEntity entity) => new(
        entity.PartitionKey,
        entity.RowKey,
        entity.GetInt64("Version") ?? 0,
        JsonSerializer.Deserialize<List<Observation>>(Storage.EntityText.Read(entity, "History") ?? "[]", DomainJson.Options)!,
        (entity.GetString("Months") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries));

    private static TableEntity Write(ParticipantState state)
    {
        var entity = new TableEntity(state.ServiceId, state.ParticipantHash)
        {
            ["Version"] = state.Version,
            ["Months"] = string.Join(',', state.Months.Order(StringComparer.Ordinal)),
            ["Submissions"] = state.History.Count,
        };
        Storage.EntityText.Write(entity, "History", JsonSerializer.Serialize(state.History, DomainJson.Options));
        return entity;
    }
}
