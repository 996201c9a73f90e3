using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Caching.Memory;
using PeerEval.Contracts;
using PeerEval.Domain;

namespace PeerEval.Functions.Services;

/// <summary>Where a person who is struggling can get help now: shown on every page of the service's form.</summary>
public sealed record CrisisContact(string Name, string? Phone = null, string? Url = null, string? Hours = null);

/// <summary>What the form tells a person about their answers; each part left out gets a default worded from the service's settings.</summary>
public sealed record PrivacyNotice(string? WhoSees = null, string? UsedFor = null, string? Removal = null);

/// <param name="PublicForms">Whether anyone may open the service's form without an invitation (answers then count anonymously).</param>
/// <param name="CrisisContact">The service's own crisis contact; without one the form shows the deployment's national default.</param>
/// <param name="PeerRoles">The peer-worker posts the service holds, for the network's registry.</param>
/// <param name="ShareWithNetwork">Whether the service's figures are pooled into the network view.</param>
public sealed record ServiceDefinition(
    string ServiceId, string Name, IReadOnlyList<string> AllowedOrigins, bool PublicForms = false,
    CrisisContact? CrisisContact = null, PrivacyNotice? PrivacyNotice = null, IReadOnlyList<PeerRole>? PeerRoles = null, bool ShareWithNetwork = false)
{
    public bool Allows(string? origin) => origin is not null && AllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase);
}

/// <summary>Registered services and the web origins allowed to embed their form or call the API from a browser.</summary>
public sealed class ServiceDirectory(Storage.StorageClients storage, IMemoryCache cache)
{
    private const string Partition = "service";
    private const string SharesProperty = "ShareWithNetwork";

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
            ["CrisisContact"] = Json(service.CrisisContact),
            ["PrivacyNotice"] = Json(service.PrivacyNotice),
            ["PeerRoles"] = Json(service.PeerRoles ?? []),
            [SharesProperty] = service.ShareWithNetwork,
        }, TableUpdateMode.Replace, ct);
        cache.Remove(("service", service.ServiceId));
    }

    /// <summary>
    /// Whether the service shares with the network now, from storage rather than the cache: a month
    /// written after an opt-in must reach the pool, and one written after an opt-out must not.
    /// </summary>
    public async Task<bool> SharesWithNetworkAsync(string serviceId, CancellationToken ct)
    {
        var response = await storage.Services.GetEntityIfExistsAsync<TableEntity>(Partition, serviceId, [SharesProperty], ct);
        return response.HasValue && (response.Value!.GetBoolean(SharesProperty) ?? false);
    }

    /// <summary>Every service that shares with the network (a query over all services: for the registry, not for reports).</summary>
    public async Task<IReadOnlyList<ServiceDefinition>> ListSharingAsync(CancellationToken ct) =>
        await storage.Services.QueryAsync<TableEntity>(e => e.PartitionKey == Partition && e.GetBoolean(SharesProperty) == true, cancellationToken: ct)
            .Select(Read).ToListAsync(ct);

    private static ServiceDefinition Read(TableEntity entity) => new(
        entity.RowKey,
        entity.GetString("Name") ?? entity.RowKey,
        (entity.GetString("AllowedOrigins") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries),
        entity.GetBoolean("PublicForms") ?? false,
        FromJson<CrisisContact>(entity.GetString("CrisisContact")),
        FromJson<PrivacyNotice>(entity.GetString("PrivacyNotice")),
        FromJson<List<PeerRole>>(entity.GetString("PeerRoles")) ?? [],
        entity.GetBoolean(SharesProperty) ?? false);

    private static string? Json<T>(T? value) where T : class => value is null ? null : JsonSerializer.Serialize(value, DomainJson.Options);

    private static T? FromJson<T>(string? json) where T : class => json is null ? null : JsonSerializer.Deserialize<T>(json, DomainJson.Options);
}
