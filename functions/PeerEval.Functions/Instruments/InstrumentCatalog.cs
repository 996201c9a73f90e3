using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Caching.Memory;
using PeerEval.Domain;
using PeerEval.Domain.Instruments;

namespace PeerEval.Functions.Instruments;

/// <summary>The built-in instruments plus those services add through the admin API, which need no code change.</summary>
public sealed class InstrumentCatalog(Storage.StorageClients storage, IMemoryCache cache)
{
    private const string Partition = "instrument";
    private static readonly object CacheKey = new();

    public async Task<IReadOnlyDictionary<string, InstrumentDefinition>> GetAllAsync(CancellationToken cancellationToken) =>
        (await cache.GetOrCreateAsync(CacheKey, async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(30);
            var all = BuiltInInstruments.All.ToDictionary(i => i.Id, StringComparer.Ordinal);
            await foreach (var entity in storage.Instruments.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, cancellationToken: cancellationToken))
                all[entity.RowKey] = JsonSerializer.Deserialize<InstrumentDefinition>(entity.GetString("Definition"), DomainJson.Options)!;
            return (IReadOnlyDictionary<string, InstrumentDefinition>)all;
        }))!;

    public static bool IsBuiltIn(string id) => BuiltInInstruments.All.Any(i => i.Id == id);

    public async Task SaveAsync(InstrumentDefinition definition, CancellationToken cancellationToken)
    {
        await storage.Instruments.UpsertEntityAsync(new TableEntity(Partition, definition.Id)
        {
            ["Definition"] = JsonSerializer.Serialize(definition, DomainJson.Options),
        }, TableUpdateMode.Replace, cancellationToken);
        cache.Remove(CacheKey);
    }
}
