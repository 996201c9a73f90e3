using PeerEval.Contracts;
using PeerEval.Domain.Submissions;

namespace PeerEval.Domain.Network;

/// <summary>The peer roles a service registers: what is valid, and how a network adds them up.</summary>
public static class PeerRoles
{
    public static readonly IReadOnlyList<string> Sectors = ["nhs", "voluntary", "social-care", "other"];

    /// <summary>More rows than any one service could mean; keeps a service's settings row small.</summary>
    public const int MaxRoles = 50;

    /// <summary>No one service holds more posts of one kind than this; a larger number is a typing slip.</summary>
    public const int MaxPosts = 10_000;

    public static void Validate(IReadOnlyList<PeerRole?>? roles, ErrorBag errors)
    {
        if (roles is null)
            return;
        if (roles.Count > MaxRoles)
            errors.Add("peerRoles", $"At most {MaxRoles} rows.");
        for (var i = 0; i < roles.Count; i++)
        {
            var path = $"peerRoles[{i}]";
            if (roles[i] is not { } role)
            {
                errors.Add(path, "Give an object with setting, sector, posts and fte.");
                continue;
            }
            if (!SupportContext.Settings.Contains(role.Setting))
                errors.Add($"{path}.setting", $"Must be one of: {string.Join(", ", SupportContext.Settings)}.");
            if (!Sectors.Contains(role.Sector))
                errors.Add($"{path}.sector", $"Must be one of: {string.Join(", ", Sectors)}.");
            if (role.Posts is < 0 or > MaxPosts)
                errors.Add($"{path}.posts", $"Must be a whole number from 0 to {MaxPosts}.");
            // A post is at most full time, so the FTE of some posts is at most their number.
            if (!double.IsFinite(role.Fte) || role.Fte < 0 || role.Fte > role.Posts)
                errors.Add($"{path}.fte", "Must be from 0 to the number of posts.");
        }
        var repeated = roles.OfType<PeerRole>().GroupBy(r => (r.Setting, r.Sector)).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
            errors.Add("peerRoles", $"List {repeated.Key.Setting} in the {repeated.Key.Sector} sector once, with all its posts.");
    }

    public static PeerRoleRegistry Registry(IEnumerable<NetworkService> services)
    {
        var list = services.OrderBy(s => s.ServiceId, StringComparer.Ordinal).ToList();
        var roles = list.SelectMany(s => s.PeerRoles).ToList();
        SortedDictionary<string, PeerRoleTotals> By(Func<PeerRole, string> key) =>
            new(roles.GroupBy(key).ToDictionary(g => g.Key, Total), StringComparer.Ordinal);
        return new PeerRoleRegistry(list, Total(roles), By(r => r.Sector), By(r => r.Setting));
    }

    // FTE are summed as decimals, so 0.1 + 0.2 is served as 0.3.
    private static PeerRoleTotals Total(IEnumerable<PeerRole> roles) =>
        new(roles.Sum(r => (long)r.Posts), (double)roles.Sum(r => (decimal)r.Fte));
}
