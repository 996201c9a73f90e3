using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using PeerEval.Domain;
using PeerEval.Domain.Aggregation;
using PeerEval.Functions.Storage;
using PeerEval.Contracts;

namespace PeerEval.Functions.Aggregation;

/// <param name="Version">The ETag of the month's totals: every write to the month changes it.</param>
public sealed record StoredMonth(ReportState State, string Version);

/// <summary>
/// Report rows: partition "{service}|{yyyy-MM}" holds the month's totals ("~state"), the figure groups a
/// few to a row ("~groups|{part}{instrument}": one instrument version's cells and changes within one part,
/// and "~groups|{part}~" the part's other figures, so no row holds a whole month, however many values it
/// sees), and one row per participant with what they contribute to the month and at which participant version.
/// </summary>
public sealed class ReportRows(Storage.StorageClients storage, ParticipantLedger ledger)
{
    public const string StateRow = "~state";
    private const string GroupRowPrefix = "~groups|";
    private const int MaxAttempts = 30;

    /// <summary>
    /// The row a figure group is stored in. A person then touches a few rows of a month (parts times
    /// instruments), not one per occasion and kind of figure, so their whole change fits one transaction.
    /// </summary>
    private static string RowOf(string groupKey)
    {
        var group = FigureGroup.Parse(groupKey);
        return GroupRowPrefix + (group.Within?.KeyPrefix ?? "") + (group.Kind is FigureKind.Cell or FigureKind.Change ? group.Instrument : "~");
    }

    /// <summary>A row's figure groups as one JSON object, each group's own JSON embedded as it is.</summary>
    private static string Pack(IEnumerable<KeyValuePair<string, string>> groups)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, json) in groups.OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                writer.WritePropertyName(key);
                writer.WriteRawValue(json, skipInputValidation: true);
            }
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static IEnumerable<KeyValuePair<string, string>> Unpack(TableEntity row)
    {
        using var document = JsonDocument.Parse(EntityText.Read(row, "State") ?? "{}");
        return document.RootElement.EnumerateObject().Select(g => KeyValuePair.Create(g.Name, g.Value.GetRawText())).ToList();
    }

    public static string PartitionKey(string serviceId, string month) => $"{serviceId}|{month}";

    /// <summary>
    /// Sets each participant's contribution to one month, in entity-group transactions with the month's
    /// totals and the figure groups they touch. A contribution written at a later participant version is
    /// never replaced by an earlier one, so redeliveries and races converge on the latest history.
    /// </summary>
    public async Task ApplyAsync(string serviceId, string month, IReadOnlyList<ParticipantState> participants, CancellationToken ct)
    {
        var partitionKey = PartitionKey(serviceId, month);
        // One fold of this worker writes a month at a time: two would only void each other's transaction
        // (both conditional on the same totals) and read the month again.
        var gate = _gates[(StringComparer.Ordinal.GetHashCode(partitionKey) & int.MaxValue) % _gates.Length];
        await gate.WaitAsync(ct);
        try
        {
            foreach (var chunk in participants.DistinctBy(p => p.ParticipantHash).Chunk(EntityGroup.MaxOperations - 1))
                await ApplyChunkAsync(partitionKey, month, chunk, ct);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Months share these by hash, so the gates stay few however many months there are.</summary>
    private readonly SemaphoreSlim[] _gates = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    /// <summary>
    /// A month's totals and figure groups as this worker last wrote (or read) them, and the totals' ETag
    /// after that write. Every write of a month changes its totals, so while that ETag holds nothing in
    /// the month has changed since, and the next transaction (conditional on it) need not read them again;
    /// if it no longer holds, the transaction fails and the month is read afresh.
    /// </summary>
    private sealed record MonthSnapshot(ETag ETag, string Totals, ImmutableDictionary<string, string> Groups);

    /// <summary>Months kept; beyond this the snapshots are dropped (a hot month is written again soon and kept again).</summary>
    private const int MaxSnapshots = 4096;

    private readonly ConcurrentDictionary<string, MonthSnapshot> _snapshots = new(StringComparer.Ordinal);

    private async Task ApplyChunkAsync(string partitionKey, string month, IReadOnlyList<ParticipantState> participants, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            // The totals first, then the other rows: a row can then only be newer than the totals we hold, and
            // whoever made it newer also changed the totals' ETag (every transaction writes them), so our
            // transaction fails and we read again. Reading both at once could pair an old row with newer
            // totals and withdraw a contribution twice. Totals this worker wrote last are as good as read.
            var snapshot = _snapshots.GetValueOrDefault(partitionKey);
            var totals = snapshot is not null ? null : await ReadAsync(partitionKey, StateRow, ct) is { HasValue: true } read ? read.Value! : null;
            var totalsText = snapshot?.Totals ?? (totals is null ? null : EntityText.Read(totals, "State"));
            ETag? totalsETag = snapshot?.ETag ?? totals?.ETag;
            // A participant has no row in a month it never contributed to at an earlier version, so the first
            // attempt adds its row without reading it; should a row exist after all, the Add voids the transaction and the retry reads.
            var rows = await Task.WhenAll(participants.Select(p => attempt == 1 && !p.EarlierMonths.Contains(month)
                ? Task.FromResult<NullableResponse<TableEntity>?>(null)
                : ReadAsync(partitionKey, p.ParticipantHash, ct)));

            var superseded = await Task.WhenAll(participants.Zip(rows).Select(x => IsSupersededAsync(x.First, month, x.Second, ct)));
            var changes = participants.Zip(rows, superseded)
                .Where(x => !x.Third)
                .Select(x => (Participant: x.First, Row: x.Second, Stored: x.Second is { HasValue: true } r ? r.Value! : null))
                .Where(x => (x.Stored?.GetInt64("Version") ?? 0) < x.Participant.Version)
                .Select(x => (x.Participant, x.Row, Old: x.Stored is null ? null : ReadContribution(x.Stored), New: x.Participant.ContributionsByMonth.GetValueOrDefault(month)))
                .ToList();
            if (changes.Count == 0)
                return;
            var groupKeys = changes.SelectMany(c => (c.Old?.Groups.Keys ?? []).Concat(c.New?.Groups.Keys ?? [])).ToHashSet(StringComparer.Ordinal);
            var touched = groupKeys.Select(RowOf).ToHashSet(StringComparer.Ordinal);
            if (1 + changes.Count + touched.Count > EntityGroup.MaxOperations && participants.Count > 1)
            {
                // More rows than one transaction takes: halve, each half a transaction of its own.
                await ApplyChunkAsync(partitionKey, month, participants.Take(participants.Count / 2).ToList(), ct);
                await ApplyChunkAsync(partitionKey, month, participants.Skip(participants.Count / 2).ToList(), ct);
                return;
            }
            var allKeys = ReportState.GroupKeysOf(totalsText).ToHashSet(StringComparer.Ordinal);
            // A row is written whole, so every group already in a row we write must be known first.
            var rowGroups = allKeys.Union(groupKeys).Select(k => (Key: k, Row: RowOf(k))).Where(g => touched.Contains(g.Row))
                .GroupBy(g => g.Row, g => g.Key, StringComparer.Ordinal).ToDictionary(r => r.Key, r => r.ToList(), StringComparer.Ordinal);
            var stored = rowGroups.Where(r => r.Value.Any(allKeys.Contains)).Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
            var known = snapshot?.Groups ?? ImmutableDictionary.Create<string, string>(StringComparer.Ordinal);
            var fetched = await Task.WhenAll(stored.Where(r => rowGroups[r].Any(k => allKeys.Contains(k) && !known.ContainsKey(k))).Select(r => ReadAsync(partitionKey, r, ct)));
            known = known.SetItems(fetched.Where(r => r is { HasValue: true }).SelectMany(r => Unpack(r!.Value!)));
            var state = ReportState.Assemble(totalsText, groupKeys.Where(known.ContainsKey).Select(k => KeyValuePair.Create(k, known[k])));

            var group = new EntityGroup(partitionKey);
            foreach (var (participant, row, old, contribution) in changes)
            {
                if (old is not null)
                    state.Withdraw(old);
                if (contribution is not null)
                    state.Add(contribution);
                group.Add(row is { HasValue: true } ? TableTransactionActionType.UpsertReplace : TableTransactionActionType.Add, new TableEntity(partitionKey, participant.ParticipantHash)
                {
                    ["Version"] = participant.Version,
                    // An empty contribution is kept as a marker of the version, so a stale writer cannot revive it.
                    ["Contribution"] = contribution is null ? "" : JsonSerializer.Serialize(contribution, DomainJson.Options),
                });
            }
            foreach (var (rowKey, keys) in rowGroups)
            {
                var contents = new List<KeyValuePair<string, string>>();
                foreach (var key in keys)
                {
                    if (groupKeys.Contains(key) && state.Groups.ContainsKey(key))
                        known = known.SetItem(key, state.SerializeGroup(key));
                    else if (groupKeys.Contains(key) || !known.ContainsKey(key))
                    {
                        // Emptied by this change (or listed but no longer stored): no longer a group of the month.
                        allKeys.Remove(key);
                        known = known.Remove(key);
                        continue;
                    }
                    allKeys.Add(key);
                    contents.Add(KeyValuePair.Create(key, known[key]));
                }
                if (contents.Count > 0)
                {
                    var groupRow = new TableEntity(partitionKey, rowKey);
                    EntityText.Write(groupRow, "State", Pack(contents));
                    group.Add(TableTransactionActionType.UpsertReplace, groupRow);
                }
                else if (stored.Contains(rowKey))
                {
                    group.Add(TableTransactionActionType.Delete, new TableEntity(partitionKey, rowKey), ETag.All);
                }
            }

            var newTotals = new TableEntity(partitionKey, StateRow);
            var newTotalsText = state.SerializeTotals(allKeys);
            EntityText.Write(newTotals, "State", newTotalsText);
            if (totalsETag is not { } etag)
                group.Add(TableTransactionActionType.Add, newTotals);
            else
                group.Add(TableTransactionActionType.UpdateReplace, newTotals, etag);
            IReadOnlyList<Response> written;
            try
            {
                written = await group.SubmitAsync(storage.Reports, ct);
            }
            catch (Exception e)
            {
                // Refused, or failed with its outcome unknown (it may have landed): what we knew of the month is void.
                if (snapshot is not null)
                    _snapshots.TryRemove(KeyValuePair.Create(partitionKey, snapshot));
                if (e is not TableTransactionFailedException { Status: 404 or 409 or 412 } || attempt >= MaxAttempts)
                    throw;
                // Another writer changed this month first (or removed it): read again and redo the deltas.
                await Task.Delay(Random.Shared.Next(1, 10 * Math.Min(attempt, 10)), ct);
                continue;
            }
            if (_snapshots.Count >= MaxSnapshots)
                _snapshots.Clear();
            if (written[^1].Headers.ETag is { } after)
                _snapshots[partitionKey] = new MonthSnapshot(after, newTotalsText, known);
            return;
        }
    }

    /// <summary>
    /// Whether the participant's history has moved past this version while its row in the month was removed. The row
    /// of a month the participant contributed to before goes only when they are forgotten (erased, or all taken back)
    /// or rebuilt, which changes the history first; written now, this stale version would bring back what was erased. So a missing row there is
    /// checked against the history, read after the row: any erasure that removed the row is seen, and one that comes
    /// later writes the month's totals before removing rows, which voids this transaction.
    /// </summary>
    private async Task<bool> IsSupersededAsync(ParticipantState participant, string month, NullableResponse<TableEntity>? row, CancellationToken ct)
    {
        if (row is not { HasValue: false } || !participant.EarlierMonths.Contains(month))
            return false;
        return await ledger.VersionAsync(participant.ServiceId, participant.ParticipantHash, ct) != participant.Version;
    }

    private async Task<NullableResponse<TableEntity>?> ReadAsync(string partitionKey, string rowKey, CancellationToken ct) =>
        await storage.Reports.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: ct);

    /// <summary>
    /// A month's totals, then the figure groups they list, by point reads: a report costs reads in
    /// proportion to its months and groups, never to the participants stored. The totals are read
    /// first and every write changes them, so the groups read after are at least as new.
    /// </summary>
    /// <param name="by">A breakdown dimension whose rows are read too; without one, only the service's own figures are.</param>
    public async Task<ReportState?> ReadStateAsync(string serviceId, string month, string? by, CancellationToken ct) =>
        (await ReadMonthAsync(serviceId, month, k => FigureGroup.IsWhole(k) || (by is not null && k.StartsWith(Breakdown.PrefixOf(by), StringComparison.Ordinal)), ct))?.State;

    /// <summary>
    /// A month with the figure groups asked for, and the ETag of its totals, which every write to the
    /// month changes: the version the network pool records it folded.
    /// </summary>
    public async Task<StoredMonth?> ReadMonthAsync(string serviceId, string month, Func<string, bool> groups, CancellationToken ct)
    {
        var partitionKey = PartitionKey(serviceId, month);
        if (await ReadAsync(partitionKey, StateRow, ct) is not { HasValue: true } totals)
            return null;
        var totalsText = EntityText.Read(totals.Value!, "State");
        var keys = ReportState.GroupKeysOf(totalsText).Where(groups).ToHashSet(StringComparer.Ordinal);
        var rows = await Task.WhenAll(keys.Select(RowOf).Distinct(StringComparer.Ordinal).Select(r => ReadAsync(partitionKey, r, ct)));
        return new StoredMonth(ReportState.Assemble(totalsText, rows.Where(r => r is { HasValue: true }).SelectMany(r => Unpack(r!.Value!)).Where(g => keys.Contains(g.Key))),
            totals.Value!.ETag.ToString());
    }

    /// <summary>The month's version (the ETag of its totals) by one point read, or null where nothing was recorded.</summary>
    public async Task<string?> ReadVersionAsync(string serviceId, string month, CancellationToken ct) =>
        await ReadAsync(PartitionKey(serviceId, month), StateRow, ct) is { HasValue: true } totals ? totals.Value!.ETag.ToString() : null;

    /// <summary>
    /// Every month (yyyy-MM) the service has report rows for. The query ranges over the service's
    /// partitions, participant rows included, so it is for rare admin work such as joining the network.
    /// </summary>
    public async Task<IReadOnlyList<string>> ListMonthsAsync(string serviceId, CancellationToken ct) =>
        await storage.Reports.QueryAsync<TableEntity>(
                e => e.PartitionKey.CompareTo(serviceId + "|") >= 0 && e.PartitionKey.CompareTo(serviceId + "}") < 0 && e.RowKey == StateRow,
                select: ["PartitionKey"], cancellationToken: ct)
            .Select(e => e.PartitionKey[(serviceId.Length + 1)..])
            .ToListAsync(ct);

    /// <summary>
    /// Removes a participant's own row from each month they touched, once that row holds nothing newer
    /// than the given (emptied) version; the months' states were already updated without them.
    /// </summary>
    public async Task DeleteParticipantAsync(ParticipantState emptied, CancellationToken ct)
    {
        foreach (var month in emptied.Months)
        {
            var partitionKey = PartitionKey(emptied.ServiceId, month);
            var row = await ReadAsync(partitionKey, emptied.ParticipantHash, ct);
            if (row is not { HasValue: true } || (row.Value!.GetInt64("Version") ?? 0) > emptied.Version)
                continue;
            try
            {
                await storage.Reports.DeleteEntityAsync(partitionKey, emptied.ParticipantHash, row.Value.ETag, ct);
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                // Deleted already, or rewritten by a newer version that owns it now.
            }
        }
    }

    /// <summary>Removes every report row of a service, partition by partition (rebuild starts from nothing); answers the months it emptied.</summary>
    public async Task<IReadOnlyList<string>> DeleteAllAsync(string serviceId, CancellationToken ct)
    {
        var months = new SortedSet<string>(StringComparer.Ordinal);
        var rows = storage.Reports.QueryAsync<TableEntity>(
            e => e.PartitionKey.CompareTo(serviceId + "|") >= 0 && e.PartitionKey.CompareTo(serviceId + "}") < 0,
            select: ["PartitionKey", "RowKey"], cancellationToken: ct);
        EntityGroup? group = null;
        await foreach (var row in rows)
        {
            if (group is not null && (group.PartitionKey != row.PartitionKey || group.IsFull))
            {
                await group.SubmitAsync(storage.Reports, ct);
                group = null;
            }
            group ??= new EntityGroup(row.PartitionKey);
            group.Add(TableTransactionActionType.Delete, row, ETag.All);
            months.Add(row.PartitionKey[(serviceId.Length + 1)..]);
        }
        if (group is not null)
            await group.SubmitAsync(storage.Reports, ct);
        return [.. months];
    }

    private static MonthContribution? ReadContribution(TableEntity row) =>
        row.GetString("Contribution") is { Length: > 0 } json ? JsonSerializer.Deserialize<MonthContribution>(json, DomainJson.Options) : null;
}
