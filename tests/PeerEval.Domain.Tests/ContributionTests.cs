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
        Assert.Equal(6, contributions["2026-03"].Groups[FollowupChange].Values.Single());
    }

    [Fact]
    public void A_followup_without_an_earlier_baseline_makes_no_pair_until_one_arrives()
    {
        var followup = Obs("f1", Occasion.Followup, "2026-03-05", 20);
        Assert.DoesNotContain(FollowupChange, Contributions.Compute([followup])["2026-03"].Groups.Keys);
        var paired = Contributions.Compute([followup, Obs("b1", Occasion.Baseline, "2026-02-01", 12)]);
        Assert.Equal(8, paired["2026-03"].Groups[FollowupChange].Values.Single());
        Assert.DoesNotContain(FollowupChange, paired["2026-02"].Groups.Keys);
    }

    private static readonly string FollowupChange = FigureGroup.Change("hope-core@1", Occasion.Followup).Key;

    [Fact]
    public void Each_month_remembers_which_of_the_eleven_months_before_it_the_participant_was_in_the_same_group()
    {
        var contributions = Contributions.Compute([
            Obs("a", Occasion.Baseline, "2025-01-05", 10),
            Obs("b", Occasion.Baseline, "2026-01-05", 10, Stay("2025-12-01", "2026-02-10")),
            Obs("c", Occasion.Followup, "2026-03-05", 11),
            Obs("d", Occasion.Baseline, "2026-03-06", 12),
        ]);
        var baseline = FigureGroup.Cell("hope-core@1", Occasion.Baseline).Key;
        Assert.Equal(0, contributions["2026-01"].EarlierMonths); // January 2025 is twelve months back: out of sight
        Assert.False(contributions["2026-02"].IsActive); // a stay's discharge month, no submission there
        Assert.Equal(0b10, contributions["2026-03"].EarlierMonths); // active two months before
        Assert.Equal(0b10, contributions["2026-03"].Groups[baseline].EarlierMonths);
        Assert.Equal(0, contributions["2026-03"].Groups[FollowupChange].EarlierMonths);
    }

    internal static readonly Gen<List<Observation>> Histories =
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, 17], Gen.Int[1, 28], Gen.Int[8, 40], Gen.Int[0, 3], Gen.Int[0, 60])
            .Select((occasion, month, day, score, stay, days) =>
            {
                var completedOn = new DateOnly(2025, 7, day).AddMonths(month);
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
    public void Distinct_people_over_any_set_of_months_within_a_year_equal_a_plain_count() =>
        Gen.Select(Histories.List[1, 8], Gen.Int[0, 6], Gen.Int[1, 4095]).Sample((histories, start, pick) =>
        {
            var first = ReportingCalendar.MonthIndex(2025, 7) + start;
            var months = Enumerable.Range(0, 12).Where(i => (pick >> i & 1) == 1).Select(i => first + i).ToHashSet();
            var states = ReportStates.FromHistories(histories);
            ReportState? StateOf(int month) => states.GetValueOrDefault(ReportingCalendar.MonthName(month));
            bool InSet(DateOnly date) => months.Contains(ReportingCalendar.MonthIndex(date));

            Assert.Equal(histories.Count(h => h.Any(o => InSet(o.CompletedOn))), Presence.DistinctPeople(m => StateOf(m)?.Participants, months));
            var baseline = FigureGroup.Cell("hope-core@1", Occasion.Baseline).Key;
            Assert.Equal(
                histories.Count(h => h.Any(o => o.Occasion == Occasion.Baseline && o.Scores.Count > 0 && InSet(o.CompletedOn))),
                Presence.DistinctPeople(m => StateOf(m)?.Groups.GetValueOrDefault(baseline)?.People, months));
        }, iter: 1000);

    [Fact]
    public void A_month_state_reads_back_exactly_as_it_was_written() =>
        Histories.List[1, 6].Sample(histories =>
        {
            foreach (var state in ReportStates.FromHistories(histories).Values)
                Assert.Equal(state.Serialize(), ReportState.Parse(state.Serialize()).Serialize());
        }, iter: 300);
}

public sealed class MonthSizeTests
{
    /// <summary>What one storage row holds of text (see the app's EntityText: 15 properties of 30,000 characters).</summary>
    private const int RowCapacity = 15 * 30_000;

    [Fact]
    public void A_month_of_twenty_thousand_people_on_mean_scored_instruments_fits_its_rows_group_by_group()
    {
        var random = new Random(20_000);
        var empowerment = Instruments.BuiltInInstruments.EmpowermentCore;
        Observation Scored(string id, Occasion occasion, DateOnly date)
        {
            // Skips are allowed up to the instrument's limit, so means land on many fractions.
            var skipped = random.Next(empowerment.Scoring.ProrateMaxMissing + 1);
            var answers = empowerment.Items.Select((item, i) => (item.Id, Value: i < skipped ? (int?)null : random.Next(item.Min, item.Max + 1)))
                .ToDictionary(a => a.Id, a => a.Value);
            return Observation.From(new SubmissionRequest(id, "p", occasion, date, [new InstrumentResponse(empowerment, answers)], null));
        }
        var histories = Enumerable.Range(0, 20_000).Select(p => new List<Observation>
        {
            Scored($"{p}-b", Occasion.Baseline, new DateOnly(2026, 2, 1 + p % 28)),
            Scored($"{p}-f", Occasion.Followup, new DateOnly(2026, 3, 1 + p % 28)),
        });
        var march = ReportStates.FromHistories(histories)["2026-03"];

        Assert.Equal(20_000, march.Participants.People);
        Assert.True(march.SerializeTotals(march.Groups.Keys).Length < RowCapacity / 10);
        foreach (var key in march.Groups.Keys)
            Assert.True(march.SerializeGroup(key).Length < RowCapacity / 4, $"{key}: {march.SerializeGroup(key).Length} characters");
        Assert.True(march.Serialize().Length > RowCapacity / 100); // the month as a whole is what used to share one row
    }
}
