using CsCheck;
using PeerEval.Domain.Aggregation;
using PeerEval.Domain.Reports;
using PeerEval.Domain.Submissions;
using static PeerEval.Domain.Tests.ReportFixture;

namespace PeerEval.Domain.Tests;

public sealed class ContributionTests
{
    [Fact]
    public void A_followup_pairs_with_the_latest_baseline_before_it_not_a_later_or_same_day_one()
    {
        var contributions = Contributions.Compute([
            Obs("b1", Occasion.Baseline, "2026-01-05", 10),
            Obs("b2", Occasion.Baseline, "2026-02-05", 14),
            Obs("f1", Occasion.Followup, "2026-03-05", 20),
            Obs("b3", Occasion.Baseline, "2026-03-05", 30),
            Obs("b4", Occasion.Baseline, "2026-04-05", 40),
        ]);
        Assert.Equal(6, contributions["2026-03"].Changes.Single().Change);
    }

    [Fact]
    public void A_followup_without_an_earlier_baseline_makes_no_pair_until_one_arrives()
    {
        var followup = Obs("f1", Occasion.Followup, "2026-03-05", 20);
        Assert.Empty(Contributions.Compute([followup])["2026-03"].Changes);
        var paired = Contributions.Compute([followup, Obs("b1", Occasion.Baseline, "2026-02-01", 12)]);
        Assert.Equal(8, paired["2026-03"].Changes.Single().Change);
        Assert.Empty(paired["2026-02"].Changes);
    }

    [Fact]
    public void Each_active_month_remembers_the_participants_previous_active_month()
    {
        var contributions = Contributions.Compute([
            Obs("a", Occasion.Baseline, "2026-01-05", 10, Stay("2025-12-01", "2026-02-10")),
            Obs("b", Occasion.Followup, "2026-03-05", 11),
        ]);
        Assert.Null(contributions["2026-01"].PreviousActiveMonth);
        Assert.False(contributions["2026-02"].IsActive); // a stay's discharge month, no submission there
        Assert.Equal("2026-01", contributions["2026-03"].PreviousActiveMonth);
    }

    private static readonly Gen<List<Observation>> Histories =
        Gen.Select(Gen.Int[0, 5], Gen.Int[1, 6], Gen.Int[1, 28], Gen.Int[8, 40], Gen.Int[0, 3], Gen.Int[0, 60])
            .Select((occasion, month, day, score, stay, days) =>
            {
                var completedOn = new DateOnly(2026, month, day);
                return (occasion, completedOn, score, stay, days);
            })
            .Array[1, 6]
            .Select(items => items.Select((x, i) => new Observation(
                $"s{i}-{x.completedOn:MMdd}-{x.score}",
                (Occasion)(x.occasion % 3),
                x.completedOn,
                x.occasion == 5 ? [] : [new ScoredInstrument("hope-core", x.score, x.occasion % 2 == 0, x.occasion == 4 ? null : 5.0)],
                x.stay switch
                {
                    0 => null,
                    1 => new Stay(x.completedOn.AddDays(-x.days), null),
                    _ => new Stay(x.completedOn.AddDays(-x.days), x.completedOn.AddDays(-x.days / 3)),
                })).ToList());

    [Fact]
    public void Replacing_contributions_as_histories_grow_in_any_order_with_redeliveries_equals_a_rebuild() =>
        Gen.Select(Histories.List[1, 6], Gen.Int[0, 10_000]).Sample((histories, seed) =>
        {
            var random = new Random(seed);
            var deliveries = histories.SelectMany((history, p) => history.Select(o => (p, o))).ToList();
            deliveries.AddRange(deliveries.Where(_ => random.Next(3) == 0).ToList()); // redeliveries
            deliveries = random.Shuffle(deliveries);

            var known = histories.Select(_ => new List<Observation>()).ToList();
            var applied = histories.Select(_ => new SortedDictionary<string, MonthContribution>()).ToList();
            var states = new Dictionary<string, ReportState>();
            foreach (var (p, observation) in deliveries)
            {
                if (known[p].Any(o => o.SubmissionId == observation.SubmissionId))
                    continue;
                known[p].Add(observation);
                var next = Contributions.Compute(known[p]);
                foreach (var month in applied[p].Keys.Union(next.Keys).ToList())
                {
                    var state = states.TryGetValue(month, out var s) ? s : states[month] = new ReportState();
                    if (applied[p].TryGetValue(month, out var old))
                        state.Withdraw(old);
                    if (next.TryGetValue(month, out var added))
                        state.Add(added);
                }
                applied[p] = next;
            }

            var rebuilt = ReportStates.FromHistories(histories);
            foreach (var month in states.Keys.Union(rebuilt.Keys))
                Assert.Equal(
                    rebuilt.TryGetValue(month, out var r) ? r.Serialize() : new ReportState().Serialize(),
                    states.TryGetValue(month, out var s) ? s.Serialize() : new ReportState().Serialize());
        }, iter: 500);

    [Fact]
    public void Distinct_participants_over_any_range_equal_a_plain_count() =>
        Gen.Select(Histories.List[1, 8], Gen.Int[1, 6], Gen.Int[0, 5]).Sample((histories, fromMonth, length) =>
        {
            var from = new DateOnly(2026, fromMonth, 1);
            var to = from.AddMonths(length);
            var report = ReportBuilder.Build("s", from, to, ReportStates.FromHistories(histories), 0, DateTimeOffset.UnixEpoch);
            var expected = histories.Count(h => h.Any(o => new DateOnly(o.CompletedOn.Year, o.CompletedOn.Month, 1) is var m && m >= from && m <= to));
            Assert.Equal(expected, report.Total.Participants);
            Assert.Equal(histories.Sum(h => h.Count(o => o.CompletedOn >= from && o.CompletedOn < to.AddMonths(1))), report.Total.Submissions);
        }, iter: 1000);

    [Fact]
    public void A_month_state_reads_back_exactly_as_it_was_written() =>
        Histories.List[1, 6].Sample(histories =>
        {
            foreach (var state in ReportStates.FromHistories(histories).Values)
                Assert.Equal(state.Serialize(), ReportState.Parse(state.Serialize()).Serialize());
        }, iter: 300);
}
