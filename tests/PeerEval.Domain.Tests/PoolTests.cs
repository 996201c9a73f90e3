using CsCheck;
using PeerEval.Contracts;
using PeerEval.Domain.Aggregation;
using PeerEval.Domain.Network;
using PeerEval.Domain.Submissions;

namespace PeerEval.Domain.Tests;

public sealed class PoolTests
{
    private static readonly ReportState Empty = new();

    private static ReportState MonthOf(SortedDictionary<string, ReportState> months, string month) => months.GetValueOrDefault(month) ?? Empty;

    [Fact]
    public void A_pool_kept_by_replacing_whole_parts_in_passes_of_any_size_while_services_change_and_leave_equals_the_sum_of_the_sharing_services() =>
        Gen.Select(ContributionTests.Histories.List[1, 4].List[2, 5], Gen.Int[1, 3], Gen.Int[0, 10_000]).Sample((services, passSize, seed) =>
        {
            var random = new Random(seed);
            var leaves = services.Select(_ => random.Next(3) == 0).ToList();
            var known = services.Select(_ => 0).ToList();
            var left = services.Select(_ => false).ToList();
            // Participants' histories are per service, so services never share a person: the pool is a plain sum.
            SortedDictionary<string, ReportState> Current(int s) => left[s] ? [] : ReportStates.FromHistories(services[s].Take(known[s]));
            var pool = new Dictionary<string, ReportState>();
            var folded = services.Select(_ => new Dictionary<string, ReportState>()).ToList();

            // One pass of a fold: what differs, at most passSize groups of it, replaced in the pool and in the part.
            bool Pass(int s, string month)
            {
                var part = folded[s].GetValueOrDefault(month) ?? new ReportState();
                var now = MonthOf(Current(s), month);
                var change = Pool.Diff(part, now);
                if (change.IsEmpty)
                    return false;
                var pass = change.Take(passSize);
                Pool.Replace(pool.TryGetValue(month, out var p) ? p : pool[month] = new ReportState(), part, now, pass);
                folded[s][month] = Pool.AfterPass(part, now, pass);
                return true;
            }
            IEnumerable<string> MonthsOf(int s) => folded[s].Keys.Union(Current(s).Keys).ToList();

            for (var step = 0; step < 60; step++)
            {
                var s = random.Next(services.Count);
                switch (random.Next(3))
                {
                    case 0 when known[s] < services[s].Count: known[s]++; break;
                    case 1 when leaves[s] && known[s] == services[s].Count: left[s] = true; break;
                    default:
                        if (MonthsOf(s).ToList() is { Count: > 0 } months)
                            Pass(s, months[random.Next(months.Count)]);
                        break;
                }
            }
            for (var s = 0; s < services.Count; s++)
                foreach (var month in MonthsOf(s))
                    while (Pass(s, month))
                    {
                    }

            var expected = ReportStates.FromHistories(services.SelectMany((histories, s) => left[s] ? Enumerable.Empty<List<Observation>>() : histories.Take(known[s])));
            foreach (var month in pool.Keys.Union(expected.Keys))
                Assert.Equal(MonthOf(expected, month).Serialize(), (pool.GetValueOrDefault(month) ?? Empty).Serialize());
        }, iter: 300);

    [Fact]
    public void A_pass_that_folds_part_of_a_change_leaves_the_totals_as_folded_and_the_next_pass_finishes_it()
    {
        var months = ReportStates.FromHistories(ReportFixture.Histories().Values);
        var april = months["2026-04"];
        var change = Pool.Diff(Empty, april);
        Assert.True(change.Totals);
        Assert.True(change.Groups.Count > 1);

        var first = change.Take(1);
        Assert.False(first.Totals);
        var part = Pool.AfterPass(Empty, april, first);
        Assert.Equal(0, part.Submissions);
        Assert.Equal([change.Groups[0]], part.Groups.Keys);
        var rest = Pool.Diff(part, april);
        Assert.Equal(change.Groups.Skip(1), rest.Groups);
        Assert.Equal(april.Serialize(), Pool.AfterPass(part, april, rest).Serialize());
        Assert.True(Pool.Diff(april, ReportState.Parse(april.Serialize())).IsEmpty);
    }

    [Fact]
    public void Broken_down_by_service_each_part_is_its_services_own_figures_with_its_submissions_and_participants_and_no_team_is_pooled()
    {
        var histories = ReportFixture.Histories();
        var parts = new[] { ("a", histories.Take(4)), ("b", histories.Skip(4)) }
            .Select(x => (ServiceId: x.Item1, Part: ReportStates.FromHistories(x.Item2.Select(h => h.Value))["2026-03"]))
            .ToList();
        var pool = ReportStates.FromHistories(histories.Values)["2026-03"];
        var month = Pool.WithServices(pool, parts);

        foreach (var (serviceId, part) in parts)
        {
            var service = new Breakdown("service", serviceId);
            Assert.Equal(part.Submissions, month.Groups[FigureGroup.Active(service).Key].Values.Count);
            Assert.Equal(part.Participants.People, month.Groups[FigureGroup.Active(service).Key].People.People);
            foreach (var key in part.Groups.Keys)
                Assert.Equal(part.SerializeGroup(key), month.SerializeGroup(FigureGroup.Parse(key).In(service).Key));
        }
        Assert.Equal(pool.Groups.Keys, month.Groups.Keys.Where(FigureGroup.IsWhole));
        Assert.True(Pool.Holds("setting=inpatient|stays"));
        Assert.False(Pool.Holds("team=ward-3|stays"));
    }

    [Fact]
    public void Peer_roles_are_checked_field_by_field_and_added_up_exactly_by_sector_and_setting()
    {
        var errors = new ErrorBag();
        PeerRoles.Validate([new PeerRole("inpatient", "nhs", 2, 2), null, new PeerRole("ward", "charity", 1, 1.5), new PeerRole("inpatient", "nhs", 1, 0)], errors);
        Assert.Equal(["peerRoles", "peerRoles[1]", "peerRoles[2].fte", "peerRoles[2].sector", "peerRoles[2].setting"],
            errors.ToDictionary().Keys.Order(StringComparer.Ordinal));

        var registry = PeerRoles.Registry([
            new NetworkService("b", "B", [new PeerRole("community", "voluntary", 3, 0.1), new PeerRole("crisis", "nhs", 1, 1)]),
            new NetworkService("a", "A", [new PeerRole("community", "voluntary", 2, 0.2)]),
            new NetworkService("c", "C", []),
        ]);
        Assert.Equal(["a", "b", "c"], registry.Services.Select(s => s.ServiceId));
        Assert.Equal(new PeerRoleTotals(6, 1.3), registry.Total);
        Assert.Equal(new PeerRoleTotals(5, 0.3), registry.BySector["voluntary"]);
        Assert.Equal(["community", "crisis"], registry.BySetting.Keys);
    }
}
