using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using PeerEval.Domain.Instruments;
using PeerEval.Testing;
using Task = System.Threading.Tasks.Task;

namespace PeerEval.Functions.Tests;

/// <summary>What a FHIR client does, with the Firely SDK: read Questionnaires, answer them, send the responses.</summary>
internal static class FhirClient
{
    public const string Media = "application/fhir+json";

    public static readonly FhirJsonDeserializer Parser = new(new DeserializerSettings().UsingMode(DeserializationMode.Strict));

    public static async Task<Questionnaire> QuestionnaireAsync(TestApp app, string instrumentId) =>
        Parser.Deserialize<Questionnaire>(await app.Client().GetStringAsync($"/api/fhir/Questionnaire/{instrumentId}"));

    public static async Task<List<Questionnaire>> QuestionnairesAsync(TestApp app) =>
        Parser.Deserialize<Bundle>(await app.Client().GetStringAsync("/api/fhir/Questionnaire")).Entry.Select(e => (Questionnaire)e.Resource!).ToList();

    public static string ExtensionUrl(Questionnaire questionnaire, string name) =>
        $"{new Uri(questionnaire.Url!).GetLeftPart(UriPartial.Authority)}/fhir/StructureDefinition/{name}";

    public static Dictionary<string, int?> Uniform(Questionnaire questionnaire, int value) =>
        questionnaire.Item.ToDictionary(q => q.LinkId!, _ => (int?)value);

    /// <summary>A completed response: each answer is the Questionnaire's own option for the value; a skipped item is left out.</summary>
    public static QuestionnaireResponse Response(
        Questionnaire questionnaire, string submissionId, string participant, string occasion, string authored,
        IReadOnlyDictionary<string, int?> answers, (string AdmittedOn, string? DischargedOn)? stay = null, string? team = null)
    {
        var response = new QuestionnaireResponse
        {
            Identifier = new Identifier("https://example.org/submissions", submissionId),
            Questionnaire = $"{questionnaire.Url}|{questionnaire.Version}",
            Status = QuestionnaireResponse.QuestionnaireResponseStatus.Completed,
            Subject = new ResourceReference { Identifier = new Identifier("https://example.org/people", participant) },
            Authored = authored,
            Extension = [new Extension(ExtensionUrl(questionnaire, "occasion"), new Code(occasion))],
            Item = questionnaire.Item.Where(q => answers.GetValueOrDefault(q.LinkId!) is not null).Select(q => new QuestionnaireResponse.ItemComponent
            {
                LinkId = q.LinkId,
                Text = q.Text,
                Answer = [new QuestionnaireResponse.AnswerComponent
                {
                    Value = q.AnswerOption.Select(o => (Coding)o.Value).Single(c => c.Code == answers[q.LinkId!]!.Value.ToString(CultureInfo.InvariantCulture)),
                }],
            }).ToList(),
        };
        if (stay is { } s)
            response.Extension.Add(new Extension(ExtensionUrl(questionnaire, "stay"), new Period(new FhirDateTime(s.AdmittedOn), s.DischargedOn is null ? null : new FhirDateTime(s.DischargedOn))));
        if (team is not null)
        {
            var context = new Extension { Url = ExtensionUrl(questionnaire, "context") };
            context.Extension.Add(new Extension("team", new Code(team)));
            context.Extension.Add(new Extension("setting", new Code("inpatient")));
            response.Extension.Add(context);
        }
        return response;
    }

    public static async Task<HttpResponseMessage> SendAsync(TestApp app, string body, string key = TestApp.SubmitKey, string contentType = Media) =>
        await app.Client(key).PostAsync("/api/fhir/QuestionnaireResponse", new StringContent(body, Encoding.UTF8, contentType));

    /// <summary>Asserts the answer is an OperationOutcome (as the SDK reads one) with the status, and returns it.</summary>
    public static async Task<OperationOutcome> OutcomeAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(Media, response.Content.Headers.ContentType!.MediaType);
        var outcome = Parser.Deserialize<OperationOutcome>(await response.Content.ReadAsStringAsync());
        Assert.NotEmpty(outcome.Issue);
        Assert.All(outcome.Issue, i => Assert.Equal(OperationOutcome.IssueSeverity.Error, i.Severity));
        return outcome;
    }
}

public sealed class FhirAppFixture : IAsyncLifetime
{
    public TestApp App { get; private set; } = null!;

    // The listener is off so that anything wrongly queued would still be there to find.
    public async Task InitializeAsync() => App = await TestApp.StartAsync(queueTriggers: false);

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>Questionnaires out, and every kind of malformed response refused with nothing stored. Nothing here stores anything, so one app serves all.</summary>
public sealed class FhirTests(FhirAppFixture fixture) : IClassFixture<FhirAppFixture>
{
    private TestApp App => fixture.App;

    [Fact]
    public async Task Every_instrument_is_a_Questionnaire_with_its_version_items_answer_options_and_the_item_ids_answers_use()
    {
        var instruments = await App.Client().GetFromJsonAsync<JsonElement>("/api/instruments");
        var questionnaires = await FhirClient.QuestionnairesAsync(App);
        Assert.Equal(instruments.EnumerateArray().Select(i => i.GetProperty("id").GetString()), questionnaires.Select(q => q.Id));
        foreach (var (instrument, questionnaire) in instruments.EnumerateArray().Zip(questionnaires))
        {
            var id = instrument.GetProperty("id").GetString();
            Assert.Equal($"{App.BaseAddress.GetLeftPart(UriPartial.Authority)}/api/fhir/Questionnaire/{id}", questionnaire.Url);
            Assert.Equal(instrument.GetProperty("version").GetInt32().ToString(CultureInfo.InvariantCulture), questionnaire.Version);
            Assert.Equal(instrument.GetProperty("title").GetString(), questionnaire.Title);
            var items = instrument.GetProperty("items").EnumerateArray().ToList();
            Assert.Equal(items.Select(i => i.GetProperty("id").GetString()), questionnaire.Item.Select(q => q.LinkId));
            foreach (var (item, question) in items.Zip(questionnaire.Item))
            {
                Assert.Equal(item.GetProperty("text").GetString(), question.Text);
                Assert.Equal(Questionnaire.QuestionnaireItemType.Choice, question.Type);
                var codes = question.AnswerOption.Select(o => ((Coding)o.Value).Code);
                var (min, max) = (item.GetProperty("min").GetInt32(), item.GetProperty("max").GetInt32());
                Assert.Equal(Enumerable.Range(min, max - min + 1).Select(v => v.ToString(CultureInfo.InvariantCulture)), codes);
            }
            Assert.Equal(questionnaire.ToJson(), (await FhirClient.QuestionnaireAsync(App, id!)).ToJson());
        }
        var hope = questionnaires.Single(q => q.Id == "hope-core");
        Assert.Equal(["Not at all true", "A little true", "Somewhat true", "Mostly true", "Completely true"],
            hope.Item[0].AnswerOption.Select(o => ((Coding)o.Value).Display));
    }

    [Fact]
    public async Task Questionnaires_are_served_as_fhir_json_without_a_key_and_an_unknown_one_is_a_404_OperationOutcome()
    {
        var response = await App.Client().GetAsync("/api/fhir/Questionnaire/hope-core");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(FhirClient.Media, response.Content.Headers.ContentType!.MediaType);
        var bundle = FhirClient.Parser.Deserialize<Bundle>(await App.Client().GetStringAsync("/api/fhir/Questionnaire"));
        Assert.Equal(Bundle.BundleType.Searchset, bundle.Type);
        Assert.Equal(bundle.Entry.Count, bundle.Total);
        Assert.All(bundle.Entry, e => Assert.Equal(((Questionnaire)e.Resource!).Url, e.FullUrl));

        var missing = await FhirClient.OutcomeAsync(await App.Client().GetAsync("/api/fhir/Questionnaire/no-such"), HttpStatusCode.NotFound);
        Assert.Equal(OperationOutcome.IssueType.NotFound, missing.Issue.Single().Code);
    }

    /// <summary>A valid hope-core response, as JSON to break: extensions are occasion [0], stay [1] and context [2].</summary>
    private async Task<JsonObject> ValidResponseAsync()
    {
        var questionnaire = await FhirClient.QuestionnaireAsync(App, "hope-core");
        var answers = FhirClient.Uniform(questionnaire, 3);
        var response = FhirClient.Response(questionnaire, "fhir-bad-1", "person-1", "baseline", "2026-03-01", answers, ("2026-02-01", "2026-02-20"), team: "ward-3");
        return JsonNode.Parse(response.ToJson())!.AsObject();
    }

    private static readonly Dictionary<string, Action<JsonObject>> Breakages = new()
    {
        ["wrong resourceType"] = r => { r.Clear(); r["resourceType"] = "Patient"; r["id"] = "p1"; },
        ["unknown linkId"] = r => r["item"]![0]!["linkId"] = "h99",
        ["answer outside the options"] = r => r["item"]![0]!["answer"]![0]!["valueCoding"]!["code"] = "9",
        ["answer from another code system"] = r => r["item"]![0]!["answer"]![0]!["valueCoding"]!["system"] = "http://loinc.org",
        ["an integer, not an option"] = r => r["item"]![0]!["answer"]![0] = new JsonObject { ["valueInteger"] = 3 },
        ["missing subject"] = r => r.Remove("subject"),
        ["subject by reference"] = r => r["subject"] = new JsonObject { ["reference"] = "Patient/1" },
        ["wrong version"] = r => r["questionnaire"] = r["questionnaire"]!.GetValue<string>().Replace("|1", "|2"),
        ["no version"] = r => r["questionnaire"] = r["questionnaire"]!.GetValue<string>().Replace("|1", ""),
        ["unknown questionnaire"] = r => r["questionnaire"] = r["questionnaire"]!.GetValue<string>().Replace("hope-core", "no-such"),
        ["missing identifier"] = r => r.Remove("identifier"),
        ["a bad submission id"] = r => r["identifier"]!["value"] = "a/b",
        ["in progress"] = r => r["status"] = "in-progress",
        ["missing occasion"] = r => r["extension"]!.AsArray().RemoveAt(0),
        ["unknown occasion"] = r => r["extension"]![0]!["valueCode"] = "midway",
        ["occasion as a string"] = r => r["extension"]![0] = new JsonObject { ["url"] = r["extension"]![0]!["url"]!.GetValue<string>(), ["valueString"] = "baseline" },
        ["unknown extension"] = r => r["extension"]!.AsArray().Add(new JsonObject { ["url"] = "https://example.org/notes", ["valueString"] = "had a hard week" }),
        ["a modifier extension"] = r => r["modifierExtension"] = new JsonArray(new JsonObject { ["url"] = "https://example.org/void", ["valueBoolean"] = true }),
        ["authored in the future"] = r => r["authored"] = "2999-01-01",
        ["authored to the month only"] = r => r["authored"] = "2026-03",
        ["authored not a date"] = r => r["authored"] = "2026-13-01",
        ["an element FHIR does not have"] = r => r["notes"] = "free text",
        ["an element PeerEval does not take"] = r => r["author"] = new JsonObject { ["display"] = "Jane Smith" },
        ["every item skipped"] = r => r.Remove("item"),
        ["an item twice"] = r => r["item"]!.AsArray().Add(r["item"]![0]!.DeepClone()),
        ["two answers to one item"] = r => r["item"]![0]!["answer"]!.AsArray().Add(r["item"]![0]!["answer"]![0]!.DeepClone()),
        ["a nested item"] = r => r["item"]![0]!["answer"]![0]!["item"] = new JsonArray(new JsonObject { ["linkId"] = "x" }),
        ["a name as team code"] = r => r["extension"]![2]!["extension"]![0]!["valueCode"] = "Jane Smith",
        ["unknown context part"] = r => r["extension"]![2]!["extension"]!.AsArray().Add(new JsonObject { ["url"] = "ward", ["valueCode"] = "w1" }),
        ["discharged before admitted"] = r => r["extension"]![1]!["valuePeriod"]!["end"] = "2026-01-15",
    };

    public static TheoryData<string, string> Malformed() => new()
    {
        { "wrong resourceType", "resourceType" },
        { "unknown linkId", "QuestionnaireResponse.item[0].linkId" },
        { "answer outside the options", "QuestionnaireResponse.item[0].answer[0].value" },
        { "answer from another code system", "QuestionnaireResponse.item[0].answer[0].value" },
        { "an integer, not an option", "QuestionnaireResponse.item[0].answer[0].value" },
        { "missing subject", "QuestionnaireResponse.subject" },
        { "subject by reference", "QuestionnaireResponse.subject.reference" },
        { "wrong version", "QuestionnaireResponse.questionnaire" },
        { "no version", "QuestionnaireResponse.questionnaire" },
        { "unknown questionnaire", "QuestionnaireResponse.questionnaire" },
        { "missing identifier", "QuestionnaireResponse.identifier.value" },
        { "a bad submission id", "QuestionnaireResponse.identifier.value" },
        { "in progress", "QuestionnaireResponse.status" },
        { "missing occasion", "QuestionnaireResponse.extension" },
        { "unknown occasion", "QuestionnaireResponse.extension[0].value" },
        { "occasion as a string", "QuestionnaireResponse.extension[0].value" },
        { "unknown extension", "QuestionnaireResponse.extension[3].url" },
        { "a modifier extension", "QuestionnaireResponse.modifierExtension" },
        { "authored in the future", "QuestionnaireResponse.authored" },
        { "authored to the month only", "QuestionnaireResponse.authored" },
        { "authored not a date", "QuestionnaireResponse.authored" },
        { "an element FHIR does not have", "QuestionnaireResponse.notes" },
        { "an element PeerEval does not take", "QuestionnaireResponse.author" },
        { "every item skipped", "QuestionnaireResponse.item" },
        { "an item twice", "QuestionnaireResponse.item[8].linkId" },
        { "two answers to one item", "QuestionnaireResponse.item[0].answer" },
        { "a nested item", "QuestionnaireResponse.item[0].answer[0].item" },
        { "a name as team code", "QuestionnaireResponse.extension[2].extension[0].value" },
        { "unknown context part", "QuestionnaireResponse.extension[2].extension[2].url" },
        { "discharged before admitted", "QuestionnaireResponse.extension[1].value.end" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task A_malformed_response_is_a_400_OperationOutcome_naming_the_element_and_nothing_is_stored(string rule, string element)
    {
        var body = await ValidResponseAsync();
        Breakages[rule](body);
        var outcome = await FhirClient.OutcomeAsync(await FhirClient.SendAsync(App, body.ToJsonString()), HttpStatusCode.BadRequest);
        Assert.True(outcome.Issue.Any(i => i.Expression.Contains(element)),
            $"{rule}: expected {element}, got {string.Join("; ", outcome.Issue.Select(i => $"{string.Join(",", i.Expression)}: {i.Diagnostics}"))}");
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task Bodies_that_are_not_a_FHIR_resource_get_415_413_or_400_as_OperationOutcomes()
    {
        var valid = (await ValidResponseAsync()).ToJsonString();
        await FhirClient.OutcomeAsync(await FhirClient.SendAsync(App, valid, contentType: "text/plain"), HttpStatusCode.UnsupportedMediaType);
        await FhirClient.OutcomeAsync(await FhirClient.SendAsync(App, valid, contentType: "application/xml"), HttpStatusCode.UnsupportedMediaType);
        var padded = valid.Replace("\"status\"", $"\"id\": \"{new string('x', 70_000)}\", \"status\"");
        await FhirClient.OutcomeAsync(await FhirClient.SendAsync(App, padded), HttpStatusCode.RequestEntityTooLarge);
        foreach (var notAResource in new[] { "[1, 2]", "\"QuestionnaireResponse\"", "{ \"resourceType\": ", "{ \"status\": \"completed\" }", "{ \"resourceType\": \"NoSuchType\" }" })
            await FhirClient.OutcomeAsync(await FhirClient.SendAsync(App, notAResource), HttpStatusCode.BadRequest);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task Only_a_services_own_submit_key_may_send_a_response()
    {
        var valid = (await ValidResponseAsync()).ToJsonString();
        var anonymous = await App.Client().PostAsync("/api/fhir/QuestionnaireResponse", new StringContent(valid, Encoding.UTF8, FhirClient.Media));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await FhirClient.SendAsync(App, valid, TestApp.ReportKey)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await FhirClient.SendAsync(App, valid, TestApp.AdminKey)).StatusCode);
        await AssertNothingStoredAsync();
    }

    private async Task AssertNothingStoredAsync()
    {
        Assert.Empty(await App.Table(App.Names.Submissions).QueryAsync<TableEntity>().ToListAsync());
        var queue = (await App.Queue(App.Names.SubmissionQueue).GetPropertiesAsync()).Value;
        Assert.Equal(0, queue.ApproximateMessagesCount);
    }
}

/// <summary>Responses that are stored: each test has an app of its own.</summary>
public sealed class FhirRoundTripTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:Reporting:MinCellSize"] = "0" });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>
    /// Answers for one person on one occasion, spread over the item's options; for every other person
    /// the first item that may be skipped (not required) is skipped.
    /// </summary>
    private static Dictionary<string, int?> AnswersFor(Questionnaire questionnaire, int person, int occasion)
    {
        var skipped = person % 2 == 0 ? questionnaire.Item.FirstOrDefault(q => q.Required != true)?.LinkId : null;
        return questionnaire.Item.Select((q, i) => (q, i)).ToDictionary(x => x.q.LinkId!, x => x.q.LinkId == skipped ? null
            : (int?)int.Parse(((Coding)x.q.AnswerOption[(person * 3 + x.i * (occasion + 1)) % x.q.AnswerOption.Count].Value).Code!, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_response_the_SDK_makes_from_each_built_in_Questionnaire_is_stored_and_reported_exactly_as_the_same_answers_sent_as_JSON()
    {
        // The JSON twin: another service, with a submit key of its own.
        var admin = _app.Client(TestApp.AdminKey);
        Assert.True((await admin.PutAsJsonAsync("/api/manage/services/twin", new { name = "Twin", allowedOrigins = Array.Empty<string>() })).IsSuccessStatusCode);
        var issued = await (await admin.PostAsJsonAsync("/api/manage/keys", new { role = "submit", services = new[] { "twin" } })).Content.ReadFromJsonAsync<JsonElement>();
        var twinKey = issued.GetProperty("key").GetString()!;

        var occasions = new[] { ("baseline", "2026-01-12"), ("followup", "2026-02-16"), ("discharge", "2026-03-09") };
        var ids = new List<string>();
        foreach (var questionnaire in await FhirClient.QuestionnairesAsync(_app))
            for (var person = 1; person <= 3; person++)
                for (var o = 0; o < occasions.Length; o++)
                {
                    var (occasion, day) = occasions[o];
                    var id = $"{questionnaire.Id}-{person}-{occasion}";
                    var answers = AnswersFor(questionnaire, person, o);
                    (string, string?)? stay = occasion == "discharge" ? ("2026-01-05", $"2026-03-0{person}") : null;
                    var team = $"team-{person % 2}";

                    var viaFhir = await FhirClient.SendAsync(_app, FhirClient.Response(questionnaire, id, $"person-{person}", occasion, day + "T14:30:00+01:00", answers, stay, team).ToJson());
                    Assert.Equal(HttpStatusCode.Accepted, viaFhir.StatusCode);
                    Assert.Equal($"/api/services/demo/submissions/{id}", viaFhir.Headers.Location!.OriginalString);
                    Assert.Equal("queued", (await viaFhir.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());

                    var json = new Dictionary<string, object?>
                    {
                        ["submissionId"] = id,
                        ["participantRef"] = $"person-{person}",
                        ["occasion"] = occasion,
                        ["completedOn"] = day,
                        ["responses"] = new[] { new { instrument = questionnaire.Id, answers } },
                        ["context"] = new { team, setting = "inpatient" },
                    };
                    if (stay is { } s)
                        json["stay"] = new { admittedOn = s.Item1, dischargedOn = s.Item2 };
                    Assert.Equal(HttpStatusCode.Accepted, (await _app.SubmitAsync(json, "twin", twinKey)).StatusCode);
                    ids.Add(id);
                }
        await _app.WaitForStatusAsync(ids);
        await _app.WaitForStatusAsync(ids, service: "twin");

        // Row by row, the same observation and answers (the participant hash differs: it is scoped by service).
        var rows = await _app.Table(_app.Names.Submissions).QueryAsync<TableEntity>().ToListAsync();
        string[] columns = ["Occasion", "CompletedOn", "Observation", "Answers"];
        var fhirRows = rows.Where(r => r.PartitionKey == "demo").ToDictionary(r => r.RowKey, r => columns.Select(r.GetString).ToList());
        var jsonRows = rows.Where(r => r.PartitionKey == "twin").ToDictionary(r => r.RowKey, r => columns.Select(r.GetString).ToList());
        Assert.Equal(ids.Count, fhirRows.Count);
        foreach (var id in ids)
            Assert.Equal(jsonRows[id], fhirRows[id]);
        Assert.Contains("team-1", fhirRows[ids[0]][2]);

        foreach (var (from, to, granularity) in new[] { ("2026-01", "2026-03", "month"), ("2026-Q1", "2026-Q1", "quarter") })
        {
            var viaFhir = await _app.ReportAsync(from, to, granularity: granularity);
            var viaJson = await _app.ReportAsync(from, to, "twin", granularity);
            Assert.Equal(viaJson.GetProperty("periods").GetRawText(), viaFhir.GetProperty("periods").GetRawText());
        }
        var march = (await _app.ReportAsync("2026-03", "2026-03")).GetProperty("periods")[0];
        Assert.Equal(BuiltInInstruments.All.Count, march.GetProperty("instruments").EnumerateObject().Count(i => i.Value.GetProperty("change").GetProperty("discharge").GetProperty("pairs").GetInt32() == 3));
        Assert.Equal(3, march.GetProperty("lengthOfStay").GetProperty("stays").GetInt32());
    }

    [Fact]
    public async Task The_same_response_again_is_taken_once_and_a_changed_one_under_its_identifier_is_a_409_OperationOutcome()
    {
        var questionnaire = await FhirClient.QuestionnaireAsync(_app, "empowerment-core");
        string Body(int value) => FhirClient.Response(questionnaire, "fhir-same", "person-7", "baseline", "2026-03-01",
            FhirClient.Uniform(questionnaire, value)).ToJson();
        Assert.Equal(HttpStatusCode.Accepted, (await FhirClient.SendAsync(_app, Body(2))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await FhirClient.SendAsync(_app, Body(2))).StatusCode);
        var conflict = await FhirClient.OutcomeAsync(await FhirClient.SendAsync(_app, Body(3)), HttpStatusCode.Conflict);
        Assert.Equal(OperationOutcome.IssueType.Conflict, conflict.Issue.Single().Code);
        Assert.Single(await _app.Table(_app.Names.Submissions).QueryAsync<TableEntity>().ToListAsync());

        // The JSON API sees the same submission: the same body is a retry, and it reports one.
        var json = new Dictionary<string, object?>
        {
            ["submissionId"] = "fhir-same", ["participantRef"] = "person-7", ["occasion"] = "baseline", ["completedOn"] = "2026-03-01",
            ["responses"] = new[] { new { instrument = "empowerment-core", answers = FhirClient.Uniform(questionnaire, 2) } },
        };
        Assert.Equal(HttpStatusCode.Accepted, (await _app.SubmitAsync(json)).StatusCode);
        await _app.WaitForStatusAsync(["fhir-same"]);
        var cell = (await _app.ReportAsync("2026-03", "2026-03")).GetProperty("periods")[0].GetProperty("instruments").GetProperty("empowerment-core@1").GetProperty("occasions").GetProperty("baseline");
        Assert.Equal(1, cell.GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task Canonicals_and_extensions_are_known_by_their_path_whatever_host_the_client_read_them_from()
    {
        var questionnaire = await FhirClient.QuestionnaireAsync(_app, "hope-core");
        var elsewhere = new Uri(questionnaire.Url!).GetLeftPart(UriPartial.Authority);
        var body = FhirClient.Response(questionnaire, "fhir-host", "person-8", "baseline", "2026-03-01", FhirClient.Uniform(questionnaire, 4))
            .ToJson().Replace(elsewhere, "https://peereval.example.org");
        Assert.Contains("https://peereval.example.org/api/fhir/Questionnaire/hope-core|1", body);
        Assert.Equal(HttpStatusCode.Accepted, (await FhirClient.SendAsync(_app, body)).StatusCode);
    }
}
