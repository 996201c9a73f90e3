using System.Text.Json;
using PeerEval.Domain;
using PeerEval.Functions.Services;

namespace PeerEval.Functions.Network;

/// <summary>A fold the network queue asks for: one month of a service, or every month it has (Month null) when it joins or leaves.</summary>
public sealed record NetworkMessage(string ServiceId, string? Month = null)
{
    public string ToJson() => JsonSerializer.Serialize(this, DomainJson.Options);
}

/// <summary>
/// Tells the network queue what to fold. Sent after the change is stored, so the fold reads it; a crash
/// before sending is healed by the retry of whatever made the change, which sends again.
/// </summary>
public sealed class NetworkFeed(Storage.StorageClients storage, ServiceDirectory services)
{
    /// <summary>After months of a service were written: a fold of each, if the service shares with the network.</summary>
    public async Task MonthsChangedAsync(string serviceId, IReadOnlyCollection<string> months, CancellationToken ct)
    {
        // Read after the months were written: a service that joins later folds them when it joins.
        if (months.Count > 0 && await services.SharesWithNetworkAsync(serviceId, ct))
            await SendAsync(serviceId, months, ct);
    }

    /// <summary>After months of a service were deleted (a rebuild): folds that take them out, whether or not it shares, in case it just left.</summary>
    public Task MonthsDeletedAsync(string serviceId, IReadOnlyCollection<string> months, CancellationToken ct) => SendAsync(serviceId, months, ct);

    private async Task SendAsync(string serviceId, IReadOnlyCollection<string> months, CancellationToken ct) =>
        await Task.WhenAll(months.Select(month => storage.NetworkQueue.SendMessageAsync(new NetworkMessage(serviceId, month).ToJson(), ct)));

    /// <summary>After a service joined or left the network: every month of it folded in, or taken out.</summary>
    public async Task ServiceChangedAsync(string serviceId, CancellationToken ct) =>
        await storage.NetworkQueue.SendMessageAsync(new NetworkMessage(serviceId).ToJson(), ct);
}
