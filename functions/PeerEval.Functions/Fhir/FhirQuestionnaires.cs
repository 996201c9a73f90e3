using System.Globalization;
using Hl7.Fhir.Model;
using PeerEval.Domain.Instruments;

namespace PeerEval.Functions.Fhir;

/// <summary>Instruments as FHIR R4 Questionnaires: one choice item per instrument item, its linkId the item id that `answers` uses.</summary>
public static class FhirQuestionnaires
{
    public static Questionnaire ToQuestionnaire(InstrumentDefinition instrument, FhirBase fhirBase) => new()
    {
        Id = instrument.Id,
        Url = fhirBase.Questionnaire(instrument.Id),
        Version = instrument.Version.ToString(CultureInfo.InvariantCulture),
        Title = instrument.Title,
        Status = PublicationStatus.Active,
        Description = instrument.Notice,
        Item = instrument.Items.Select(item => new Questionnaire.ItemComponent
        {
            LinkId = item.Id,
            Text = item.Text,
            Type = Questionnaire.QuestionnaireItemType.Choice,
            // Skipping is allowed up to the instrument's prorating limit, which a per-item flag cannot say; with none, every scored item is needed.
            Required = item.Scored && instrument.Scoring.ProrateMaxMissing == 0,
            Repeats = false,
            AnswerOption = Enumerable.Range(item.Min, item.Max - item.Min + 1).Select(value => new Questionnaire.AnswerOptionComponent
            {
                Value = new Coding(fhirBase.AnswerSystem(instrument.Id), value.ToString(CultureInfo.InvariantCulture), instrument.LabelFor(item, value)),
            }).ToList(),
        }).ToList(),
    };

    public static Bundle Searchset(IEnumerable<InstrumentDefinition> instruments, FhirBase fhirBase)
    {
        var questionnaires = instruments.Select(i => ToQuestionnaire(i, fhirBase)).ToList();
        return new Bundle
        {
            Type = Bundle.BundleType.Searchset,
            Total = questionnaires.Count,
            Link = [new Bundle.LinkComponent { Relation = "self", Url = fhirBase.Questionnaires }],
            Entry = questionnaires.Select(q => new Bundle.EntryComponent
            {
                FullUrl = q.Url,
                Resource = q,
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match },
            }).ToList(),
        };
    }
}
