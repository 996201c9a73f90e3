using CsCheck;
using PeerEval.Domain.Instruments;

namespace PeerEval.Domain.Tests;

public sealed class ScoringTests
{
    private static readonly Gen<InstrumentDefinition> Definitions =
        from count in Gen.Int[1, 15]
        from min in Gen.Int[0, 2]
        from span in Gen.Int[1, 7]
        from reversed in Gen.Bool.Array[count]
        from subscaleOf in Gen.Int[0, 2].Array[count]
        from method in Gen.Enum<ScoringMethod>()
        from prorate in Gen.Int[0, count - 1]
        select new InstrumentDefinition("generated", 1, "Generated", true,
            Enumerable.Range(0, count).Select(i => new InstrumentItem($"i{i}", $"Item {i}", min, min + span, reversed[i],
                subscaleOf[i] == 0 ? null : $"s{subscaleOf[i]}")).ToList(),
            new InstrumentScoring(method, prorate, ["s1", "s2"]));

    /// <summary>A definition and answers for it: each item in range or skipped.</summary>
    private static readonly Gen<(InstrumentDefinition, Dictionary<string, int?>)> Answered =
        from definition in Definitions
        from values in Gen.Int[definition.Items[0].Min, definition.Items[0].Max].Array[definition.Items.Count]
        from skipped in Gen.Int[0, 3].Array[definition.Items.Count]
        select (definition, definition.Items.Select((item, i) => (item.Id, Value: skipped[i] == 0 ? (int?)null : values[i]))
            .ToDictionary(x => x.Id, x => x.Value));

    [Fact]
    public void Scores_agree_with_a_plain_reference_computation_for_random_answer_sets() =>
        Answered.Sample((definition, answers) =>
        {
            var score = Scoring.Score(definition, answers);
            var expected = Reference(definition, definition.Items, answers, definition.Scoring.ProrateMaxMissing);
            if (expected is null)
            {
                Assert.Null(score);
                return;
            }
            Assert.NotNull(score);
            Assert.Equal(expected.Value, score.Total, 9);
            foreach (var subscale in new[] { "s1", "s2" })
            {
                var items = definition.Items.Where(i => i.Subscale == subscale).ToList();
                var reference = items.Count == 0 ? null : Reference(definition, items, answers, items.Count - 1);
                Assert.Equal(reference is null ? (double?)null : Math.Round(reference.Value, 9), score.Subscales.TryGetValue(subscale, out var value) ? value : null);
            }
        }, iter: 2000);

    [Fact]
    public void Scoring_never_throws_and_stays_within_the_possible_range_for_in_range_answers() =>
        Answered.Sample((definition, answers) =>
        {
            var score = Scoring.Score(definition, answers);
            if (score is null)
                return;
            var n = definition.Items.Count;
            var (low, high) = definition.Scoring.Method == ScoringMethod.Sum
                ? (definition.Items.Sum(i => i.Min), definition.Items.Sum(i => i.Max))
                : (definition.Items[0].Min, definition.Items[0].Max);
            Assert.InRange(score.Total, low - 1e-9, high + 1e-9);
            Assert.Equal(n - Scoring.MissingCount(definition, answers), score.Answered);
        }, iter: 2000);

    /// <summary>Every built-in instrument with answers for it: each item in its own range or skipped.</summary>
    private static readonly Gen<(InstrumentDefinition, Dictionary<string, int?>)> BuiltInAnswered =
        from definition in Gen.Int[0, BuiltInInstruments.All.Count - 1].Select(i => BuiltInInstruments.All[i])
        from skipped in Gen.Int[0, 4].Array[definition.Items.Count]
        from raw in Gen.Int[0, 1_000_000].Array[definition.Items.Count]
        select (definition, definition.Items.Select((item, i) => (item.Id, Value: skipped[i] == 0 ? null : (int?)(item.Min + raw[i] % (item.Max - item.Min + 1))))
            .ToDictionary(x => x.Id, x => x.Value));

    [Fact]
    public void Every_built_in_instrument_scores_and_prorates_by_its_own_definition() =>
        BuiltInAnswered.Sample((definition, answers) =>
        {
            var scored = definition.Items.Where(i => i.Scored).ToList();
            var expected = Reference(definition, scored, answers, definition.Scoring.ProrateMaxMissing);
            var score = Scoring.Score(definition, answers);
            Assert.Equal(expected is null, score is null);
            if (expected is { } total)
                Assert.Equal(Math.Round(total, 9), score!.Total);
        }, iter: 3000);

    /// <summary>The contract's rule, written out as plainly as possible.</summary>
    private static double? Reference(InstrumentDefinition definition, IEnumerable<InstrumentItem> items, Dictionary<string, int?> answers, int allowedMissing)
    {
        var list = items.ToList();
        var keyed = new List<int>();
        foreach (var item in list)
            if (answers[item.Id] is int v)
                keyed.Add(item.Reversed ? item.Min + item.Max - v : v);
        if (keyed.Count == 0 || list.Count - keyed.Count > allowedMissing)
            return null;
        return definition.Scoring.Method == ScoringMethod.Mean
            ? keyed.Average()
            : keyed.Sum() * (double)list.Count / keyed.Count;
    }

    [Fact]
    public void Hope_core_reverses_items_three_and_six()
    {
        var answers = Enumerable.Range(1, 8).ToDictionary(i => $"h{i}", _ => (int?)5);
        var score = Scoring.Score(BuiltInInstruments.HopeCore, answers)!;
        Assert.Equal(6 * 5 + 2 * 1, score.Total);
        Assert.Equal(5 + 1 + 5 + 5, score.Subscales["outlook"]); // h1, h3 (reversed), h5, h8
    }

    [Fact]
    public void A_sum_with_one_skipped_item_is_prorated_to_the_full_item_count()
    {
        var answers = Enumerable.Range(1, 8).ToDictionary(i => $"h{i}", i => i == 2 ? null : (int?)4);
        var score = Scoring.Score(BuiltInInstruments.HopeCore, answers)!;
        // Seven answered: h1,h4,h5,h7,h8 = 4 each, h3,h6 reversed = 2 each -> 24, prorated by 8/7.
        Assert.Equal(Math.Round(24.0 * 8 / 7, 9), score.Total); // kept to 1e-9, so equal scores are always one value
    }

    [Fact]
    public void Too_many_skipped_items_give_no_score()
    {
        var answers = Enumerable.Range(1, 8).ToDictionary(i => $"h{i}", i => i <= 2 ? null : (int?)4);
        Assert.Null(Scoring.Score(BuiltInInstruments.HopeCore, answers));
    }

    [Fact]
    public void Adult_hope_scale_fillers_are_asked_but_never_scored()
    {
        var ahs = BuiltInInstruments.AdultHopeScale;
        var answers = ahs.Items.ToDictionary(i => i.Id, i => (int?)(i.Scored ? 8 : 1));
        var score = Scoring.Score(ahs, answers)!;
        Assert.Equal(64, score.Total);
        Assert.Equal(32, score.Subscales["agency"]);
        Assert.Equal(32, score.Subscales["pathways"]);
        Assert.Equal(["q3", "q5", "q7", "q11"], ahs.Items.Where(i => !i.Scored).Select(i => i.Id));
    }

    [Fact]
    public void Empowerment_core_is_a_mean_so_its_score_stays_on_the_item_scale()
    {
        var answers = BuiltInInstruments.EmpowermentCore.Items.ToDictionary(i => i.Id, i => (int?)(i.Reversed ? 1 : 4));
        Assert.Equal(4.0, Scoring.Score(BuiltInInstruments.EmpowermentCore, answers)!.Total);
    }

    [Fact]
    public void Community_counts_are_summed_as_counts_and_one_skipped_count_is_prorated()
    {
        var score = Scoring.Score(BuiltInInstruments.CommunityCore, new Dictionary<string, int?> { ["c1"] = 3, ["c2"] = 0, ["c3"] = 10, ["c4"] = 4, ["c5"] = null });
        Assert.Equal((3 + 0 + 10 + 4) * 5 / 4.0, score!.Total, 9);
        Assert.Equal(10, score.Subscales["connection"], 9);
        Assert.Null(Scoring.Score(BuiltInInstruments.CommunityCore, new Dictionary<string, int?> { ["c1"] = 3, ["c2"] = 0, ["c3"] = 10, ["c4"] = null, ["c5"] = null }));
    }

    [Fact]
    public void Peer_worker_and_staff_forms_key_their_reversed_items()
    {
        var peer = BuiltInInstruments.PeerWorkerCore.Items.ToDictionary(i => i.Id, i => (int?)5);
        Assert.Equal(6 * 5 + 2 * 1, Scoring.Score(BuiltInInstruments.PeerWorkerCore, peer)!.Total, 9); // p4 and p7 count 1 when answered 5
        var staff = BuiltInInstruments.StaffRecoveryCore.Items.ToDictionary(i => i.Id, i => (int?)1);
        Assert.Equal(5 * 1 + 5, Scoring.Score(BuiltInInstruments.StaffRecoveryCore, staff)!.Total, 9); // s3 counts 5 when answered 1
    }
}
