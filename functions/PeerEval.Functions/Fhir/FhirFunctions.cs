using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PeerEval.Contracts;
using PeerEval.Domain;
using PeerEval.Functions.Auth;
using PeerEval.Functions.Hosting;
using PeerEval.Functions.Instruments;
using PeerEval.Functions.Submissions;

namespace PeerEval.Functions.Fhir;

/// <summary>
/// FHIR R4 over the same instruments and the same intake: instruments as Questionnaires, and a
/// QuestionnaireResponse taken as the submission body it stands for, so idempotency, validation,
/// hashing and aggregation are the JSON API's own.
/// </summary>
public sealed class FhirFunctions(InstrumentCatalog catalog, SubmissionIntake intake)
{
    /// <summary>Strict: an unknown element or a wrong value type is an error, never dropped.</summary>
    private static readonly FhirJsonDeserializer Parser = new(new DeserializerSettings().UsingMode(DeserializationMode.Strict));

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

    /// <summary>One completed QuestionnaireResponse, for the service the submit key is bound to.</summary>
    [Function("SubmitFhirQuestionnaireResponse")]
    [Authorize(Policy = KeyPolicies.SubmitKey)]
    [Consumes(FhirResults.MediaType, "application/json")]
    [ProducesResponseType<SubmissionReceipt>(202)]
    [ProducesResponseType<OperationOutcome>(400, FhirResults.MediaType)]
    [ProducesResponseType<OperationOutcome>(409, FhirResults.MediaType)]
    [ProducesResponseType<OperationOutcome>(413, FhirResults.MediaType)]
    [ProducesResponseType<OperationOutcome>(415, FhirResults.MediaType)]
    public async Task<IResult> SubmitAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "fhir/QuestionnaireResponse")] HttpRequest request)
    {
        var ct = request.HttpContext.RequestAborted;
        // The route names no service: the key's one service is where the answers go.
        if (request.HttpContext.User.ApiKey() is not { Services: [var serviceId] } || serviceId == ApiKey.AllServices)
            return FhirResults.Outcome(403, OperationOutcome.IssueType.Forbidden, "Send it with a submit key bound to one service: that service takes the response.");
        if (!FhirResults.IsFhirJson(request.ContentType))
            return FhirResults.Outcome(415, OperationOutcome.IssueType.NotSupported, $"Send the body as {FhirResults.MediaType}.");
        // The API's own reading first (size, UTF-8, well-formed JSON), so the SDK meets only JSON text it can read.
        var (document, bytes, error) = await JsonBody.ReadAsync(request, ct);
        if (error is not null)
            return FhirResults.FromProblem(error);
        using (document)
        {
            if (document!.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object)
                return FhirResults.Outcome(400, OperationOutcome.IssueType.Structure, "The body must be a JSON object: a QuestionnaireResponse.");
        }

        Resource resource;
        try
        {
            resource = Parser.DeserializeResource(Encoding.UTF8.GetString(bytes));
        }
        catch (DeserializationFailedException e)
        {
            return FhirResults.Resource(e.ToOperationOutcome(), 400);
        }
        if (resource is not QuestionnaireResponse response)
        {
            var wrongType = new ErrorBag();
            wrongType.Add("resourceType", $"Send a QuestionnaireResponse, not a {resource.TypeName}.");
            return FhirResults.Invalid(wrongType);
        }

        var errors = new ErrorBag();
        if (QuestionnaireResponseMapping.Map(response, await catalog.GetAllAsync(ct), FhirBase.Of(request), errors) is not { } mapped)
            return FhirResults.Invalid(errors);
        var (submission, intakeErrors, outcome) = await intake.AcceptAsync(serviceId, mapped.Body, ct);
        if (submission is null)
            return FhirResults.Invalid(mapped.Translate(intakeErrors));
        if (SubmissionIntake.ProblemFor(outcome) is { } problem)
            return FhirResults.FromProblem(problem);
        return SubmissionFunctions.Accepted(serviceId, submission);
    }
}
