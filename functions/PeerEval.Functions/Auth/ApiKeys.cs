using Azure;
using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace PeerEval.Functions.Auth;

/// <summary>What a key may do; a network key reads the network view only, never one service's figures.</summary>
public enum KeyRole { Submit, Report, Admin, Network }

public sealed record ApiKey(string KeyId, KeyRole Role, IReadOnlyList<string> Services, bool Revoked)
{
    public const string AllServices = "*";

    /// <summary>A form page's token: may submit for its service only from the form or the service's own origins.</summary>
    public bool IsFormToken { get; init; }

    /// <summary>The invitation a form token's page was opened with; null on a public (anonymous) form.</summary>
    public string? Invitation { get; init; }

    public bool Covers(string serviceId) =>
        Role == KeyRole.Admin || Services.Contains(AllServices) || Services.Contains(serviceId, StringComparer.Ordinal);
}

public sealed class ApiKeyOptions
{
    /// <summary>How long a key lookup is trusted before storage is asked again; revocation reaches other instances within it.</summary>
    public int CacheSeconds { get; set; } = 30;

    /// <summary>
    /// SHA-256 (hex) of a first admin key, stored at start: how a new deployment gets its first key
    /// without the key itself ever being in a setting.
    /// </summary>
    [RegularExpression("^([0-9a-fA-F]{64})?$")]
    public string BootstrapAdminKeySha256 { get; set; } = "";

    /// <summary>Keys seeded at start in Development only, so a fresh clone can be tried at once.</summary>
    public List<DevKey> DevKeys { get; set; } = [];

    /// <summary>Services seeded likewise, with the origins their demo pages embed the form from.</summary>
    public List<DevService> DevServices { get; set; } = [];

    public sealed class DevService
    {
        public string ServiceId { get; set; } = "";
        public List<string> AllowedOrigins { get; set; } = [];
        public bool PublicForms { get; set; }
    }

    public sealed class DevKey
    {
        public string Key { get; set; } = "";
        public KeyRole Role { get; set; }
        public List<string> Services { get; set; } = [];
    }
}

/// <summary>API keys, kept only as SHA-256 hashes. The raw key exists once: in the answer that issues it.</summary>
public sealed class ApiKeyStore(Storage.StorageClients storage, IMemoryCache cache, IOptions<ApiKeyOptions> options, TimeProvider clock)
{
    private const string Partition = "key";

    public async Task<ApiKey?> FindAsync(string rawKey, CancellationToken cancellationToken)
    {
        var hash = Hash(rawKey);
        if (cache.TryGetValue(hash, out ApiKey? cached))
            return cached;
        var response = await storage.Keys.GetEntityIfExistsAsync<TableEntity>(Partition, hash, cancellationToken: cancellationToken);
        var key = response.HasValue ? ToKey(response.Value!) : null;
        if (options.Value.CacheSeconds > 0)
            cache.Set(hash, key, TimeSpan.FromSeconds(options.Value.CacheSeconds));
        return key;
    }

    public async Task<(ApiKey Key, string Secret)> IssueAsync(KeyRole role, IReadOnlyList<string> services, CancellationToken cancellationToken)
    {
        var secret = "pe_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var key = await StoreAsync(secret, role, services, cancellationToken);
        return (key, secret);
    }

    public async Task<ApiKey> StoreAsync(string secret, KeyRole role, IReadOnlyList<string> services, CancellationToken cancellationToken)
    {
        var entity = NewEntity(Hash(secret), role, services);
        await storage.Keys.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
        cache.Remove(entity.RowKey);
        return ToKey(entity);
    }

    /// <summary>Stores the key only if no key with this hash exists, so a revoked key is never brought back.</summary>
    public async Task AddHashIfMissingAsync(string hash, KeyRole role, CancellationToken cancellationToken)
    {
        try
        {
            await storage.Keys.AddEntityAsync(NewEntity(hash, role, []), cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // There already, revoked or not: left as it is.
        }
    }

    private TableEntity NewEntity(string hash, KeyRole role, IReadOnlyList<string> services)
    {
        hash = hash.ToLowerInvariant();
        return new TableEntity(Partition, hash)
        {
            ["KeyId"] = KeyIdOf(hash),
            ["Role"] = role.ToString(),
            ["Services"] = string.Join(',', services),
            ["Revoked"] = false,
            ["IssuedAt"] = clock.GetUtcNow(),
        };
    }

    /// <summary>Revokes by key id; answers false when no such key exists.</summary>
    public async Task<bool> RevokeAsync(string keyId, CancellationToken cancellationToken)
    {
        var found = false;
        await foreach (var entity in EntitiesWithId(keyId, cancellationToken))
        {
            entity["Revoked"] = true;
            await storage.Keys.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken);
            cache.Remove(entity.RowKey);
            found = true;
        }
        return found;
    }

    /// <summary>
    /// The key with this id, as storage has it now (no cache, so a revocation counts at once); null when
    /// there is none, or when two keys share the id and it names neither for sure.
    /// </summary>
    public async Task<ApiKey?> FindByIdAsync(string keyId, CancellationToken cancellationToken)
    {
        var keys = await EntitiesWithId(keyId, cancellationToken).Take(2).Select(ToKey).ToListAsync(cancellationToken);
        return keys.Count == 1 ? keys[0] : null;
    }

    /// <summary>Row keys are the full hash; the id is its first 12 hex digits, so a range scan finds it.</summary>
    private IAsyncEnumerable<TableEntity> EntitiesWithId(string keyId, CancellationToken cancellationToken) =>
        keyId.Length == 12 && keyId.All(Uri.IsHexDigit)
            ? storage.Keys.QueryAsync<TableEntity>(
                e => e.PartitionKey == Partition && e.RowKey.CompareTo(keyId) >= 0 && e.RowKey.CompareTo(keyId + "g") < 0,
                cancellationToken: cancellationToken)
            : AsyncEnumerable.Empty<TableEntity>();

    public static string Hash(string rawKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(rawKey)));

    private static string KeyIdOf(string hash) => hash[..12];

    private static ApiKey ToKey(TableEntity entity) => new(
        entity.GetString("KeyId"),
        Enum.Parse<KeyRole>(entity.GetString("Role")),
        (entity.GetString("Services") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries),
        entity.GetBoolean("Revoked") ?? false);
}

internal sealed class BootstrapAdminKey(ApiKeyStore keys, IOptions<ApiKeyOptions> options) : Hosting.IStartupTask
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Only when missing: every start must not re-enable a bootstrap key an admin has revoked.
        if (options.Value.BootstrapAdminKeySha256 is { Length: 64 } hash)
            await keys.AddHashIfMissingAsync(hash, KeyRole.Admin, cancellationToken);
    }
}

internal sealed class DevKeySeeder(ApiKeyStore keys, Services.ServiceDirectory services, IOptions<ApiKeyOptions> options) : Hosting.IStartupTask
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        foreach (var devKey in options.Value.DevKeys.Where(k => k.Key.Length > 0))
            await keys.StoreAsync(devKey.Key, devKey.Role, devKey.Services, cancellationToken);
        foreach (var service in options.Value.DevServices.Where(s => s.ServiceId.Length > 0))
            await services.SaveAsync(new Services.ServiceDefinition(service.ServiceId, service.ServiceId, service.AllowedOrigins, service.PublicForms), cancellationToken);
    }
}
