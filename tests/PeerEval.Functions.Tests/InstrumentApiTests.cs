using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerEval.Functions.Tests.Infrastructure;
using PeerEval.Testing;

namespace PeerEval.Functions.Tests;

public sealed class InstrumentApiTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:Reporting:MinCellSize"] = "0" });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_instrument_list_holds_the_built_in_forms_and_published_structures()
    {
        var list = await _app.Client().GetFromJsonAsync<JsonElement>("/api/instruments");
        var ids = list.EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToList();
        Assert.Superset(new HashSet<string?> { "hope-core", "empowerment-core", "herth-hope-index", "adult-hope-scale", "state-hope-scale", "qpr-15", "empowerment-scale-28" }, ids.ToHashSet());

        var hope = await _app.Client().GetFromJsonAsync<JsonElement>("/api/instruments/hope-core");
        Assert.Equal("sum", hope.GetProperty("scoring").GetProperty("method").GetString());
        Assert.True(hope.GetProperty("higherIsBetter").GetBoolean());
        Assert.Equal(8, hope.GetProperty("items").GetArrayLength());
        Assert.Equal(404, (int)(await _app.Client().GetAsync("/api/instruments/nope")).StatusCode);
    }

    [Fact]
    public async Task A_service_defines_its_own_instrument_and_submissions_to_it_are_scored_and_reported()
    {
        var definition = """
        {
          "id": "coping-local", "version": 1, "title": "Local coping check", "higherIsBetter": false,
          "items": [
            { "id": "c1", "text": "Things feel too much.", "min": 0, "max": 3 },
            { "id": "c2", "text": "I can handle today.", "min": 0, "max": 3, "reversed": true },
            { "id": "c3", "text": "I worry most of the time.", "min": 0, "max": 3 }
          ],
          "scoring": { "method": "sum", "prorateMaxMissing": 1 },
          "reliableChange": { "sd": 2, "reliability": 0.8 }
        }
        """;
        var admin = _app.Client(TestApp.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/api/manage/instruments/coping-local", TestApp.Json(definition))).StatusCode);
        Assert.Equal("Local coping check", (await _app.Client().GetFromJsonAsync<JsonElement>("/api/instruments/coping-local")).GetProperty("title").GetString());

        var baseline = new { submissionId = "c-1", participantRef = "x", occasion = "baseline", completedOn = "2026-02-01",
            responses = new[] { new { instrument = "coping-local", answers = new Dictionary<string, int?> { ["c1"] = 3, ["c2"] = 0, ["c3"] = null } } } };
        var followup = new { submissionId = "c-2", participantRef = "x", occasion = "followup", completedOn = "2026-03-01",
            responses = new[] { new { instrument = "coping-local", answers = new Dictionary<string, int?> { ["c1"] = 0, ["c2"] = 3, ["c3"] = 0 } } } };
        Assert.Equal(HttpStatusCode.Accepted, (await _app.SubmitAsync(baseline)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await _app.SubmitAsync(followup)).StatusCode);
        await _app.WaitForStatusAsync(["c-1", "c-2"]);

        var report = await _app.ReportAsync("2026-02", "2026-03");
        // Baseline: (3 + 3) prorated by 3/2 = 9. Follow-up: 0. Lower is better, so -9 is a reliable improvement.
        Assert.Equal(9.0, Instrument(0).GetProperty("occasions").GetProperty("baseline").GetProperty("mean").GetDouble());
        var change = Instrument(1).GetProperty("change").GetProperty("followup");
        Assert.Equal(-9.0, change.GetProperty("meanChange").GetDouble());
        Assert.Equal(1, change.GetProperty("reliablyImproved").GetInt32());
        JsonElement Instrument(int month) => report.GetProperty("periods")[month].GetProperty("instruments").GetProperty("coping-local@1");
    }

    [Fact]
    public async Task Changing_an_instruments_scale_makes_a_new_version_whose_scores_never_pair_with_the_old()
    {
        var admin = _app.Client(TestApp.AdminKey);
        async Task<int> SaveAsync(int max, string title)
        {
            var definition = $$"""
            { "id": "mood-local", "version": 1, "title": "{{title}}", "higherIsBetter": true,
              "items": [ { "id": "m1", "text": "Today I feel able.", "min": 0, "max": {{max}} } ],
              "scoring": { "method": "sum", "prorateMaxMissing": 0 } }
            """;
            var response = await admin.PutAsync("/api/manage/instruments/mood-local", TestApp.Json(definition));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32();
        }
        async Task SubmitAsync(string id, string occasion, string date)
        {
            var body = new { submissionId = id, participantRef = "v", occasion, completedOn = date,
                responses = new[] { new { instrument = "mood-local", answers = new Dictionary<string, int?> { ["m1"] = 3 } } } };
            Assert.Equal(HttpStatusCode.Accepted, (await _app.SubmitAsync(body)).StatusCode);
        }

        Assert.Equal(1, await SaveAsync(max: 4, "Mood"));
        await SubmitAsync("v-1", "baseline", "2026-02-01");
        Assert.Equal(1, await SaveAsync(max: 4, "Mood, reworded")); // wording only: same scale, same version
        Assert.Equal(2, await SaveAsync(max: 10, "Mood, reworded"));
        Assert.Equal(2, (await _app.Client().GetFromJsonAsync<JsonElement>("/api/instruments/mood-local")).GetProperty("version").GetInt32());
        await SubmitAsync("v-2", "followup", "2026-03-01");
        await _app.WaitForStatusAsync(["v-1", "v-2"]);

        var year = (await _app.ReportAsync("2026", "2026", granularity: "year")).GetProperty("periods")[0].GetProperty("instruments");
        Assert.Equal(1, year.GetProperty("mood-local@1").GetProperty("occasions").GetProperty("baseline").GetProperty("n").GetInt32());
        Assert.Equal(1, year.GetProperty("mood-local@2").GetProperty("occasions").GetProperty("followup").GetProperty("n").GetInt32());
        Assert.Empty(year.GetProperty("mood-local@2").GetProperty("change").EnumerateObject()); // a 0-10 score never pairs with a 0-4 one
    }

    [Fact]
    public async Task A_broken_definition_is_refused_naming_its_fields()
    {
        var response = await _app.Client(TestApp.AdminKey).PutAsync("/api/manage/instruments/broken",
            TestApp.Json("""{ "id": "broken", "version": 1, "title": "B", "higherIsBetter": true, "items": [ { "id": "a", "text": "A", "min": 2, "max": 1 } ], "scoring": { "method": "sum", "prorateMaxMissing": 0 } }"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("items[0].max", out _));

        var unknown = await _app.Client(TestApp.AdminKey).PutAsync("/api/manage/instruments/broken",
            TestApp.Json("""{ "id": "broken", "version": 1, "title": "B", "higherIsBetter": true, "items": [], "scoring": { "method": "sum", "prorateMaxMissing": 0 }, "colour": "red" }"""));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _app.Client(TestApp.AdminKey).PutAsync("/api/manage/instruments/hope-core",
            TestApp.Json(JsonSerializer.Serialize(await _app.Client().GetFromJsonAsync<JsonElement>("/api/instruments/hope-core"))))).StatusCode);
    }
}
