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
        EarlierMonths = earlierMonths.ToHashSet(StringComparer.Ordinal);
        Months = EarlierMonths.Union(ContributionsByMonth.Keys).ToHashSet(StringComparer.Ordinal);
    }

    public string ServiceId { get; }
    public string ParticipantHash { get; }
    public long Version { get; }
    public IReadOnlyList<Observation> History { get; }
    public SortedDictionary<string, MonthContribution> ContributionsByMonth { get; }

    /// <summary>Every month contributed to at this or any earlier version, so a month the participant leaves is withdrawn from.</summary>
    public IReadOnlySet<string> Months { get; }

    /// <summary>Every month contributed to at an earlier version: only these can hold a row of the participant's yet.</summary>
    public IReadOnlySet<string> EarlierMonths { get; }
}

/// <summary>
/// One row per participant (partition: service, row: participant hash) holding their observations.
/// Every change bumps the version under an ETag, which orders the report writes that follow.
/// </summary>
public sealed class ParticipantLedger(Storage.StorageClients storage, TimeProvider clock, Microsoft.Extensions.Options.IOptions<Submissions.IntakeOptions> intake)
{
    private const int MaxAttempts = 20;

    /// <summary>History characters per transaction: well inside its 4 MB, with room for the rest of each row.</summary>
    private const int MaxTransactionText = 2_000_000;

    /// <summary>
    /// Adds observations not yet recorded (a redelivery adds nothing, and no history goes past the cap) to many
    /// participants of one service and returns their current states. Their rows are written together, in entity-group transactions: each row
    /// is updated under the ETag it was read with, or, for a person intake found new, added without a read
    /// (an add fails if the row exists after all). Should a transaction fail so, its participants are
    /// recorded one by one, each read afresh and retried.
    /// </summary>
    public async Task<IReadOnlyList<ParticipantState>> RecordAllAsync(
        string serviceId, IReadOnlyList<(string Hash, IReadOnlyList<Observation> Observations, bool New)> participants, CancellationToken ct)
    {
        var planned = await Task.WhenAll(participants.Select(async p =>
        {
            var entity = p.New ? null : (await storage.Participants.GetEntityIfExistsAsync<TableEntity>(serviceId, p.Hash, cancellationToken: ct)) is { HasValue: true } r ? r.Value! : null;
            var current = entity is null ? new ParticipantState(serviceId, p.Hash, 0, [], []) : Read(entity);
            var next = WithAdded(current.History, p.Observations) is { } history ? new ParticipantState(serviceId, p.Hash, NextVersion(current.Version), history, current.Months) : null;
            return new PlannedChange(p.Observations, entity, current, next);
        }));

        var states = planned.Where(p => p.Next is null).Select(p => p.Current).ToList();
        var chunk = new List<PlannedChange>();
        var text = 0;
        foreach (var change in planned.Where(p => p.Next is not null))
        {
            if (chunk.Count == Storage.EntityGroup.MaxOperations || chunk.Count > 0 && text + change.TextLength > MaxTransactionText)
            {
                states.AddRange(await WriteTogetherAsync(serviceId, chunk, ct));
                chunk.Clear();
                text = 0;
            }
            chunk.Add(change);
            text += change.TextLength;
        }
        if (chunk.Count > 0)
            states.AddRange(await WriteTogetherAsync(serviceId, chunk, ct));
        return states;
    }

    /// <summary>A participant's row as read (null: none, or not read for a newcomer), their state, and the state to write.</summary>
    private sealed record PlannedChange(IReadOnlyList<Observation> Observations, TableEntity? Entity, ParticipantState Current, ParticipantState? Next)
    {
        public TableEntity Row { get; } = Next is null ? null! : Write(Next);

        public int TextLength => Row.Sum(p => p.Value is string v ? v.Length : 0);
    }

    private async Task<IReadOnlyList<ParticipantState>> WriteTogetherAsync(string serviceId, IReadOnlyList<PlannedChange> changes, CancellationToken ct)
    {
        var group = new Storage.EntityGroup(serviceId);
        foreach (var change in changes)
            if (change.Entity is null)
                group.Add(TableTransactionActionType.Add, change.Row);
            else
                group.Add(TableTransactionActionType.UpdateReplace, change.Row, change.Entity.ETag);
        try
        {
            await group.SubmitAsync(storage.Participants, ct);
            return changes.Select(c => c.Next!).ToList();
        }
        catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412)
        {
            // Someone wrote one of these rows since (or a newcomer was not new after all): nothing was applied; one by one.
            var states = new List<ParticipantState>();
            foreach (var change in changes)
                states.Add(await ChangeAsync(serviceId, change.Current.ParticipantHash, current => WithAdded(current.History, change.Observations), current => current.Months, ct));
            return states;
        }
    }

    /// <summary>
    /// The history with the observations not yet recorded (a redelivery adds nothing), up to the per-person cap:
    /// intake refuses a person at the cap, but a burst can pass intake before any of it is counted, and the cap
    /// is what keeps a history inside one row. What the history does not take, the caller sees is not in it.
    /// </summary>
    private IReadOnlyList<Observation>? WithAdded(IReadOnlyList<Observation> history, IReadOnlyList<Observation> observations)
    {
        var known = history.Select(o => o.SubmissionId).ToHashSet(StringComparer.Ordinal);
        var added = observations.Where(o => !known.Contains(o.SubmissionId)).DistinctBy(o => o.SubmissionId)
            .Take(Math.Max(0, intake.Value.MaxSubmissionsPerParticipant - history.Count)).ToList();
        return added.Count == 0 ? null : [.. history, .. added];
    }

    /// <summary>
    /// Takes submissions out of the history and adds the months a fold may have written them to, so the state
    /// returned reaches every month that can hold them, even where the row was deleted and written anew since.
    /// The state is returned even when the history held none of them: an earlier take-back may have written the
    /// history and failed before the months, and writing the months again from it is what finishes that.
    /// Null only where there is no row and no month to withdraw from.
    /// </summary>
    public async Task<ParticipantState?> TakeOutAsync(
        string serviceId, string participantHash, IReadOnlyCollection<string> submissionIds, IReadOnlyCollection<string> monthsWritten, CancellationToken ct)
    {
        // A written state is never at version 0, so version 0 means no row was there and none was written.
        var state = await ChangeAsync(serviceId, participantHash,
            current => current.History.Any(o => submissionIds.Contains(o.SubmissionId)) || !current.Months.IsSupersetOf(monthsWritten)
                ? current.History.Where(o => !submissionIds.Contains(o.SubmissionId)).ToList()
                : null,
            current => current.Months.Union(monthsWritten), ct);
        return state.Version > 0 ? state : null;
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

    /// <summary>Replaces the history outright (erasure), always as a new version that still reaches every month the old one did.</summary>
    public Task<ParticipantState> ReplaceAsync(string serviceId, string participantHash, IReadOnlyList<Observation> history, CancellationToken ct) =>
        ChangeAsync(serviceId, participantHash, _ => history, current => current.Months, ct);

    /// <summary>
    /// Replaces the history for a rebuild, which has deleted every report row first: no earlier month holds anything of
    /// the participant's, so the new version reaches only the months its history contributes to.
    /// </summary>
    public Task<ParticipantState> ResetAsync(string serviceId, string participantHash, IReadOnlyList<Observation> history, CancellationToken ct) =>
        ChangeAsync(serviceId, participantHash, _ => history, _ => [], ct);

    /// <summary>
    /// The version after <paramref name="current"/>, and never below the clock's ticks: a person's row deleted by an
    /// erasure and written anew (the same person again) still outranks every report row an earlier history left.
    /// </summary>
    public long NextVersion(long current) => Math.Max(current + 1, clock.GetUtcNow().UtcTicks);

    private async Task<ParticipantState> ChangeAsync(
        string serviceId, string participantHash, Func<ParticipantState, IReadOnlyList<Observation>?> change,
        Func<ParticipantState, IEnumerable<string>> earlierMonths, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await storage.Participants.GetEntityIfExistsAsync<TableEntity>(serviceId, participantHash, cancellationToken: ct);
            var entity = response.HasValue ? response.Value! : null;
            var current = entity is null ? new ParticipantState(serviceId, participantHash, 0, [], []) : Read(entity);
            if (change(current) is not { } history)
                return current;

            var next = new ParticipantState(serviceId, participantHash, NextVersion(current.Version), history, earlierMonths(current));
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

    /// <summary>The version of the participant's history, read without the history itself; null when they have no row.</summary>
    public async Task<long?> VersionAsync(string serviceId, string participantHash, CancellationToken ct)
    {
        var response = await storage.Participants.GetEntityIfExistsAsync<TableEntity>(serviceId, participantHash, select: ["Version"], cancellationToken: ct);
        return response.HasValue ? response.Value!.GetInt64("Version") ?? 0 : null;
    }

    /// <summary>How many submissions the participant's history holds, read without the history itself.</summary>
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
