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

    /// <summary>
    /// Saves a definition under the version its changes call for (see <see cref="InstrumentVersions"/>)
    /// and returns it. The stored row is replaced under its ETag, so two saves racing cannot both claim one version.
    /// </summary>
    public async Task<InstrumentDefinition> SaveAsync(InstrumentDefinition definition, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await storage.Instruments.GetEntityIfExistsAsync<TableEntity>(Partition, definition.Id, cancellationToken: cancellationToken);
            var stored = response.HasValue ? response.Value! : null;
            var current = stored is null ? null : JsonSerializer.Deserialize<InstrumentDefinition>(stored.GetString("Definition"), DomainJson.Options);
            var versioned = InstrumentVersions.Versioned(current, definition);
            var entity = new TableEntity(Partition, definition.Id) { ["Definition"] = JsonSerializer.Serialize(versioned, DomainJson.Options) };
            try
            {
                if (stored is null)
                    await storage.Instruments.AddEntityAsync(entity, cancellationToken);
                else
                    await storage.Instruments.UpdateEntityAsync(entity, stored.ETag, TableUpdateMode.Replace, cancellationToken);
                cache.Remove(CacheKey);
                return versioned;
            }
            catch (Azure.RequestFailedException e) when (e.Status is 409 or 412 && attempt < 5)
            {
            }
        }
    }
}
