using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PeerEval.Functions.Instruments;

namespace PeerEval.Functions.Fhir;

/// <summary>FHIR R4 over the same instruments: instruments as Questionnaires.</summary>
public sealed class FhirFunctions(InstrumentCatalog catalog)
{
    [Function("ListFhirQuestionnaires")]
    [ProducesResponseType<Bundle>(200, FhirResults.MediaType)]
    public async Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/Questionnaire")] HttpRequest request)
    {
        var instruments = await catalog.GetAllAsync(request.HttpContext.RequestAborted);
        return FhirResults.Resource(FhirQuestionnaires.Searchset(instruments.Values.OrderBy(i => i.Id, StringComparer.Ordinal), FhirBase.Of(request)));
    }

    [Function("GetFhirQuestionnaire")]
    [ProducesResponseType<Questionnaire>(200, FhirResults.MediaType)]
    [ProducesResponseType<OperationOutcome>(404, FhirResults.MediaType)]
    public async Task<IResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/Questionnaire/{instrumentId}")] HttpRequest request, string instrumentId) =>
        (await catalog.GetAllAsync(request.HttpContext.RequestAborted)).TryGetValue(instrumentId, out var instrument)
            ? FhirResults.Resource(FhirQuestionnaires.ToQuestionnaire(instrument, FhirBase.Of(request)))
            : FhirResults.Outcome(404, OperationOutcome.IssueType.NotFound, "No such Questionnaire.");
}
