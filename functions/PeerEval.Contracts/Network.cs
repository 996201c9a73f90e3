namespace PeerEval.Contracts;

/// <summary>
/// Peer-worker posts a service holds in one setting and sector: `setting` as in a submission's context
/// (inpatient, community, crisis, primary-care, other), `sector` nhs, voluntary, social-care or other.
/// </summary>
public sealed record PeerRole(string Setting, string Sector, int Posts, double Fte);

/// <summary>Posts and full-time equivalents added up.</summary>
public sealed record PeerRoleTotals(long Posts, double Fte);

/// <summary>A service that shares with the network, and the peer roles it registered.</summary>
public sealed record NetworkService(string ServiceId, string Name, IReadOnlyList<PeerRole> PeerRoles);

/// <summary>The network's peer-role registry: each sharing service, and totals overall, by sector and by setting.</summary>
public sealed record PeerRoleRegistry(
    IReadOnlyList<NetworkService> Services,
    PeerRoleTotals Total,
    SortedDictionary<string, PeerRoleTotals> BySector,
    SortedDictionary<string, PeerRoleTotals> BySetting);
