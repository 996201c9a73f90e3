using PeerEval.Domain.Instruments;

namespace PeerEval.Domain.Tests;

public sealed class InstrumentTests
{
    public static TheoryData<string> BuiltIns() => new(BuiltInInstruments.All.Select(i => i.Id));

    [Theory]
    [MemberData(nameof(BuiltIns))]
    public void Every_built_in_definition_passes_the_rules_a_service_definition_must_pass(string id)
    {
        var errors = InstrumentRules.Validate(BuiltInInstruments.All.Single(i => i.Id == id));
        Assert.True(errors.IsEmpty, string.Join("; ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(",", e.Value)}")));
    }

    [Theory]
    [InlineData("herth-hope-index", 12, 1, 4)]
    [InlineData("adult-hope-scale", 12, 1, 8)]
    [InlineData("state-hope-scale", 6, 1, 8)]
    [InlineData("qpr-15", 15, 0, 4)]
    [InlineData("empowerment-scale-28", 28, 1, 4)]
    [InlineData("qpr-15-peer-worker", 15, 0, 4)]
    [InlineData("social-inclusion-scale", 22, 1, 4)]
    [InlineData("raq-7", 7, 1, 5)]
    public void Published_measures_ship_their_structure_with_placeholder_wording(string id, int items, int min, int max)
    {
        var definition = BuiltInInstruments.All.Single(i => i.Id == id);
        Assert.Equal(items, definition.Items.Count);
        Assert.All(definition.Items, item =>
        {
            Assert.Equal((min, max), (item.Min, item.Max));
            Assert.Contains("licensed wording not shipped", item.Text);
        });
        Assert.False(string.IsNullOrWhiteSpace(definition.Notice));
    }

    [Fact]
    public void Herth_hope_index_reverses_items_three_and_six_only() =>
        Assert.Equal(["q3", "q6"], BuiltInInstruments.HerthHopeIndex.Items.Where(i => i.Reversed).Select(i => i.Id));

    [Fact]
    public void The_peereval_forms_have_a_reversed_item_and_subscales()
    {
        foreach (var definition in new[] { BuiltInInstruments.HopeCore, BuiltInInstruments.EmpowermentCore })
        {
            Assert.Contains(definition.Items, i => i.Reversed);
            Assert.All(definition.Items, i => Assert.NotNull(i.Subscale));
            Assert.NotNull(definition.ReliableChange);
        }
    }

    [Fact]
    public void A_definition_whose_fillers_could_leave_no_scored_answer_is_refused()
    {
        InstrumentDefinition With(int prorateMaxMissing, params InstrumentItem[] items) =>
            new("own-measure", 1, "Own measure", true, items, new InstrumentScoring(ScoringMethod.Sum, prorateMaxMissing));
        var filler = new InstrumentItem("f", "Filler", 1, 4, Scored: false);
        var scored = new InstrumentItem("s", "Scored", 1, 4);

        Assert.Contains("items", InstrumentRules.Validate(With(0, filler, filler with { Id = "g" })).ToDictionary().Keys);
        // Two items but one scored: allowing one missing would allow a score from no answer at all.
        Assert.Contains("scoring.prorateMaxMissing", InstrumentRules.Validate(With(1, filler, scored)).ToDictionary().Keys);
        Assert.True(InstrumentRules.Validate(With(0, filler, scored)).IsEmpty);
    }

    [Theory]
    [InlineData(-1001, -990, "items[0].min")]
    [InlineData(995, 1001, "items[0].max")]
    [InlineData(int.MinValue, int.MaxValue, "items[0].max")] // the difference overflows an int
    public void Item_ranges_stay_within_a_thousand_either_side_of_zero(int min, int max, string field)
    {
        var definition = new InstrumentDefinition("own-measure", 1, "Own measure", true,
            [new InstrumentItem("a", "A", min, max)], new InstrumentScoring(ScoringMethod.Sum, 0));
        Assert.Contains(field, InstrumentRules.Validate(definition).ToDictionary().Keys);
    }

    [Fact]
    public void Rules_name_each_broken_field_of_a_definition()
    {
        var broken = new InstrumentDefinition("Bad Id", 0, "", true,
            [new InstrumentItem("a", "A", 3, 3), new InstrumentItem("a", "", 1, 4, Subscale: "nope")],
            new InstrumentScoring(ScoringMethod.Sum, 2), new ReliableChangeParameters(-1, 1.5));
        var errors = InstrumentRules.Validate(broken).ToDictionary();
        Assert.Equal(
            ["id", "items[0].max", "items[1].id", "items[1].subscale", "items[1].text", "reliableChange.reliability", "reliableChange.sd", "scoring.prorateMaxMissing", "title", "version"],
            errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_reliable_change_threshold_follows_jacobson_and_truax()
    {
        var rc = new ReliableChangeParameters(Sd: 6.0, Reliability: 0.85);
        Assert.Equal(1.96 * 6.0 * Math.Sqrt(2) * Math.Sqrt(0.15), rc.Threshold, 12);
        Assert.Equal(6.4412, rc.Threshold, 4);
    }

    [Fact]
    public void A_definition_keeps_its_version_for_new_wording_and_takes_the_next_for_a_new_scale()
    {
        var hope = BuiltInInstruments.HopeCore with { Version = 3 };
        Assert.Equal(1, InstrumentVersions.Versioned(null, hope with { Version = 7 }).Version);
        Assert.Equal(3, InstrumentVersions.Versioned(hope, hope with { Title = "Reworded", Items = [.. hope.Items.Select(i => i with { Text = "New words" })] }).Version);
        InstrumentDefinition[] rescaled =
        [
            hope with { Items = [.. hope.Items.Select((i, n) => n == 0 ? i with { Max = 7 } : i)] },
            hope with { Items = [.. hope.Items.Select((i, n) => n == 1 ? i with { Reversed = !i.Reversed } : i)] },
            hope with { Items = [.. hope.Items.Skip(1)] },
            hope with { Scoring = hope.Scoring with { Method = ScoringMethod.Mean } },
            hope with { Scoring = hope.Scoring with { ProrateMaxMissing = hope.Scoring.ProrateMaxMissing + 1 } },
        ];
        Assert.All(rescaled, changed => Assert.Equal(4, InstrumentVersions.Versioned(hope, changed).Version));
    }

    [Theory]
    [InlineData("hope-core", Respondent.Person)]
    [InlineData("empowerment-core", Respondent.Person)]
    [InlineData("community-core", Respondent.Person)]
    [InlineData("social-inclusion-scale", Respondent.Person)]
    [InlineData("peer-worker-core", Respondent.PeerWorker)]
    [InlineData("qpr-15-peer-worker", Respondent.PeerWorker)]
    [InlineData("staff-recovery-core", Respondent.Staff)]
    [InlineData("raq-7", Respondent.Staff)]
    public void Each_instrument_names_the_group_that_answers_it(string id, Respondent respondent) =>
        Assert.Equal(respondent, BuiltInInstruments.All.Single(i => i.Id == id).Respondent);

    [Fact]
    public void Community_life_is_asked_as_counts_of_days_in_the_last_four_weeks()
    {
        Assert.All(BuiltInInstruments.CommunityCore.Items, item =>
        {
            Assert.True(item.Count);
            Assert.Equal((0, 28), (item.Min, item.Max));
            Assert.StartsWith("In the last four weeks, on how many days", item.Text);
        });
        Assert.DoesNotContain(BuiltInInstruments.All.Except([BuiltInInstruments.CommunityCore]).SelectMany(i => i.Items), i => i.Count);
    }

    [Fact]
    public void A_count_below_zero_is_refused()
    {
        var definition = BuiltInInstruments.CommunityCore with { Items = [new("c1", "Days out", -1, 28, Count: true)], Scoring = new(ScoringMethod.Sum, 0) };
        Assert.Contains("items[0].min", InstrumentRules.Validate(definition).ToProblemErrors().Keys);
    }

    [Fact]
    public void A_new_respondent_group_makes_a_new_version_so_groups_never_pool()
    {
        var asked = BuiltInInstruments.StaffRecoveryCore with { Respondent = Respondent.PeerWorker };
        Assert.Equal(2, InstrumentVersions.Versioned(BuiltInInstruments.StaffRecoveryCore, asked).Version);
    }

    [Fact]
    public void The_respondent_is_written_as_the_contract_names_it()
    {
        var json = System.Text.Json.JsonSerializer.Serialize(BuiltInInstruments.PeerWorkerCore, DomainJson.Options);
        Assert.Contains("\"respondent\":\"peer-worker\"", json);
        Assert.Equal(Respondent.Staff, System.Text.Json.JsonSerializer.Deserialize<InstrumentDefinition>(
            System.Text.Json.JsonSerializer.Serialize(BuiltInInstruments.StaffRecoveryCore, DomainJson.Options), DomainJson.Options)!.Respondent);
    }
}
