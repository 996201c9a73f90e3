using Azure;
using Azure.Data.Tables;
using PeerEval.Domain.Aggregation;
using PeerEval.Domain.Network;
using PeerEval.Functions.Aggregation;
using PeerEval.Functions.Services;
using PeerEval.Functions.Storage;

namespace PeerEval.Functions.Network;

/// <summary>
/// The network's pooled months, in the `reports` table under partition "~network|{yyyy-MM}" (no service
/// id starts with "~"): "~state" the pooled totals and the list of pooled groups, "~group|{key}" each
/// pooled figure group, and for each sharing service its part as last folded: "~from|{service}" (its
/// totals, the groups it has rows for, and the version of the service's month it came from) with
/// "~from|{service}|{key}" per figure group. The pool is the sum of the parts, so a report reads a month's
/// totals and groups however many services share.
/// </summary>
public sealed class NetworkPool(StorageClients storage, ReportRows reports, ServiceDirectory services)
{
    /// <summary>What a network report names as its service.</summary>
    public const string ReportId = "network";

    private const string TotalsRow = "~state";
    private const string GroupPrefix = "~group|";
    private const string PartPrefix = "~from|";
    private const int MaxAttempts = 30;

    /// <summary>A pass writes the part's header, and per group its part row and pool row, and maybe the pool's totals.</summary>
    private const int MaxGroupsPerPass = (EntityGroup.MaxOperations - 2) / 2;

    public static string PartitionKey(string month) => $"~network|{month}";

    /// <summary>
    /// Brings one service's part of one pooled month up to date: the service's month as it is now if the
    /// service shares, else nothing. The part is replaced whole (the pool loses the part as folded and gains
    /// it as it is now), never incremented, so folding again, late or twice, changes nothing.
    /// </summary>
    public async Task FoldAsync(string serviceId, string month, CancellationToken ct)
    {
        var partition = PartitionKey(month);
        var headerKey = PartPrefix + serviceId;
        for (var attempt = 1; ; attempt++)
        {
            // The part's header first: every fold of this service's month writes it, so whether the service
            // shares and what its month holds are read after the fold that wrote it, and a fold that writes
            // it after we read it voids our transaction. The last fold to succeed has read the newest.
            var header = await ReadAsync(partition, headerKey, ct);
            var shares = await services.SharesWithNetworkAsync(serviceId, ct);
            // Most folds find the part up to date (every batch that touches a month asks for one): one read of the month's version says so.
            if (header is not null && (header.GetBoolean("Complete") ?? false)
                && header.GetString("Source") == (shares ? await reports.ReadVersionAsync(serviceId, month, ct) ?? "" : ""))
                return;
            var current = shares ? await reports.ReadMonthAsync(serviceId, month, Pool.Holds, ct) : null;
            var source = current?.Version ?? "";

            var folded = await ReadPartAsync(partition, header, ct);
            var now = current?.State ?? new ReportState();
            var change = Pool.Diff(folded, now);
            var pass = change.Take(MaxGroupsPerPass);
            var complete = pass.Groups.Count == change.Groups.Count;

            var poolTotals = await ReadAsync(partition, TotalsRow, ct);
            var poolTotalsText = poolTotals is null ? null : EntityText.Read(poolTotals, "State");
            var poolRows = (await Task.WhenAll(pass.Groups.Select(k => ReadAsync(partition, GroupPrefix + k, ct)))).OfType<TableEntity>().ToList();
            var pool = ReportState.Assemble(poolTotalsText, poolRows.Select(r => KeyValuePair.Create(r.RowKey[GroupPrefix.Length..], EntityText.Read(r, "State")!)));
            Pool.Replace(pool, folded, now, pass);
            var after = Pool.AfterPass(folded, now, pass);

            var group = new EntityGroup(partition);
            var newHeader = new TableEntity(partition, headerKey)
            {
                // A pass that folds part of a change records no source, so the next pass does not take the part as done.
                ["Source"] = complete ? source : "",
                ["Complete"] = complete,
            };
            EntityText.Write(newHeader, "State", after.SerializeTotals(after.Groups.Keys));
            if (header is null)
                group.Add(TableTransactionActionType.Add, newHeader);
            else
                group.Add(TableTransactionActionType.UpdateReplace, newHeader, header.ETag);
            var existing = poolRows.ToDictionary(r => r.RowKey[GroupPrefix.Length..], StringComparer.Ordinal);
            foreach (var key in pass.Groups)
            {
                // The part's own rows need no ETag: every write to them goes with the header's.
                if (after.Groups.ContainsKey(key))
                    group.Add(TableTransactionActionType.UpsertReplace, Row(partition, $"{headerKey}|{key}", after.SerializeGroup(key)));
                else if (folded.Groups.ContainsKey(key))
                    group.Add(TableTransactionActionType.Delete, new TableEntity(partition, $"{headerKey}|{key}"), ETag.All);
                // The pool's rows are shared with other services' folds: each is written only as read.
                if (pool.Groups.ContainsKey(key))
                    AddGuarded(group, Row(partition, GroupPrefix + key, pool.SerializeGroup(key)), existing.GetValueOrDefault(key));
                else if (existing.TryGetValue(key, out var gone))
                    group.Add(TableTransactionActionType.Delete, gone, gone.ETag);
            }
            // The totals list the pool's groups, so a report reads them by point reads: written when either changes.
            var listed = ReportState.GroupKeysOf(poolTotalsText).ToHashSet(StringComparer.Ordinal);
            var keys = listed.Except(pass.Groups).Union(pass.Groups.Where(pool.Groups.ContainsKey)).ToHashSet(StringComparer.Ordinal);
            if (pass.Totals || !keys.SetEquals(listed))
                AddGuarded(group, Row(partition, TotalsRow, pool.SerializeTotals(keys)), poolTotals);
            try
            {
                await group.SubmitAsync(storage.Reports, ct);
                if (complete)
                    return;
            }
            catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412 && attempt < MaxAttempts)
            {
                // Another fold changed (or removed) this part or a pooled row first: read again and redo.
                await Task.Delay(Random.Shared.Next(1, 10 * Math.Min(attempt, 10)), ct);
            }
        }
    }

    /// <summary>
    /// One pooled month: its totals, then the figure groups they list, by point reads, as for a service's
    /// month, so the cost of a report follows its months and groups, never the number of sharing services.
    /// Broken down by service, the services' parts are read too, by one range query (the answer itself
    /// grows with the services).
    /// </summary>
    /// <param name="by">`setting`, `service` or null.</param>
    public async Task<ReportState?> ReadMonthAsync(string month, string? by, CancellationToken ct)
    {
        var partition = PartitionKey(month);
        var parts = by == "service" ? Range(partition, PartPrefix, ct) : Task.FromResult(new List<TableEntity>());
        if (await ReadAsync(partition, TotalsRow, ct) is not { } totals)
            return null;
        var totalsText = EntityText.Read(totals, "State");
        var groups = await Task.WhenAll(ReportState.GroupKeysOf(totalsText)
            .Where(k => FigureGroup.IsWhole(k) || (by == "setting" && Pool.Holds(k)))
            .Select(k => ReadAsync(partition, GroupPrefix + k, ct)));
        var pool = ReportState.Assemble(totalsText, groups.OfType<TableEntity>()
            .Select(g => KeyValuePair.Create(g.RowKey[GroupPrefix.Length..], EntityText.Read(g, "State")!)));
        return by == "service" ? Pool.WithServices(pool, PartsOf(await parts)) : pool;
    }

    /// <summary>A service's part of a pooled month as last folded (empty where it has none): what it adds to the pool.</summary>
    public async Task<ReportState> ReadPartAsync(string serviceId, string month, CancellationToken ct)
    {
        var partition = PartitionKey(month);
        return await ReadPartAsync(partition, await ReadAsync(partition, PartPrefix + serviceId, ct), ct);
    }

    /// <summary>A part from its header, as read, and the figure-group rows the header lists, read after it.</summary>
    private async Task<ReportState> ReadPartAsync(string partition, TableEntity? header, CancellationToken ct)
    {
        var headerText = header is null ? null : EntityText.Read(header, "State");
        var rows = await Task.WhenAll(ReportState.GroupKeysOf(headerText).Select(k => ReadAsync(partition, $"{header!.RowKey}|{k}", ct)));
        return ReportState.Assemble(headerText, rows.OfType<TableEntity>()
            .Select(r => KeyValuePair.Create(r.RowKey[(header!.RowKey.Length + 1)..], EntityText.Read(r, "State")!)));
    }

    /// <summary>Each service's part from its rows ("~from|{service}" and "~from|{service}|{key}").</summary>
    private static IEnumerable<(string ServiceId, ReportState Part)> PartsOf(List<TableEntity> rows) =>
        rows.GroupBy(r => r.RowKey[PartPrefix.Length..].Split('|', 2)[0], StringComparer.Ordinal)
            .Select(service =>
            {
                var header = PartPrefix + service.Key;
                return (service.Key, ReportState.Assemble(
                    service.Where(r => r.RowKey == header).Select(r => EntityText.Read(r, "State")).FirstOrDefault(),
                    service.Where(r => r.RowKey != header).Select(r => KeyValuePair.Create(r.RowKey[(header.Length + 1)..], EntityText.Read(r, "State")!))));
            });

    /// <summary>The rows of a partition whose keys start with the prefix ('|' + 1 is '}'), by one query.</summary>
    private async Task<List<TableEntity>> Range(string partition, string prefix, CancellationToken ct)
    {
        var end = prefix[..^1] + "}";
        return await storage.Reports.QueryAsync<TableEntity>(
                e => e.PartitionKey == partition && e.RowKey.CompareTo(prefix) >= 0 && e.RowKey.CompareTo(end) < 0, cancellationToken: ct)
            .ToListAsync(ct);
    }

    private static TableEntity Row(string partition, string rowKey, string state)
    {
        var row = new TableEntity(partition, rowKey);
        EntityText.Write(row, "State", state);
        return row;
    }

    /// <summary>Adds the row if it was absent when read, else replaces it only if no one changed it since.</summary>
    private static void AddGuarded(EntityGroup group, TableEntity row, TableEntity? asRead)
    {
        if (asRead is null)
            group.Add(TableTransactionActionType.Add, row);
        else
            group.Add(TableTransactionActionType.UpdateReplace, row, asRead.ETag);
    }

    private async Task<TableEntity?> ReadAsync(string partition, string rowKey, CancellationToken ct) =>
        await storage.Reports.GetEntityIfExistsAsync<TableEntity>(partition, rowKey, cancellationToken: ct) is { HasValue: true } found ? found.Value : null;
}
