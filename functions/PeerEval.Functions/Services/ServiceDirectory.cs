using Azure.Data.Tables;
using Microsoft.Extensions.Caching.Memory;

namespace PeerEval.Functions.Services;

/// <param name="PublicForms">Whether anyone may open the service's form without an invitation (answers then count anonymously).</param>
public sealed record ServiceDefinition(string ServiceId, string Name, IReadOnlyList<string> AllowedOrigins, bool PublicForms = false)
{
    public bool Allows(string? origin) => origin is not null && AllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase);
}

/// <summary>Registered services and the web origins allowed to embed their form or call the API from a browser.</summary>
public sealed class ServiceDirectory(Storage.StorageClients storage, IMemoryCache cache)
{
    private const string Partition = "service";

    public async Task<ServiceDefinition?> FindAsync(string serviceId, CancellationToken ct) =>
        await cache.GetOrCreateAsync(("service", serviceId), async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(30);
            var response = await storage.Services.GetEntityIfExistsAsync<TableEntity>(Partition, serviceId, cancellationToken: ct);
            return response.HasValue ? Read(response.Value!) : null;
        });

    public async Task SaveAsync(ServiceDefinition service, CancellationToken ct)
    {
        await storage.Services.UpsertEntityAsync(new TableEntity(Partition, service.ServiceId)
        {
            ["Name"] = service.Name,
            ["AllowedOrigins"] = string.Join(' ', service.AllowedOrigins),
            ["PublicForms"] = service.PublicForms,
        }, TableUpdateMode.Replace, ct);
        cache.Remove(("service", service.ServiceId));
    }

    private static ServiceDefinition Read(TableEntity entity) => new(
        entity.RowKey,
        entity.GetString("Name") ?? entity.RowKey,
        (entity.GetString("AllowedOrigins") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries),
        entity.GetBoolean("PublicForms") ?? false);
}
