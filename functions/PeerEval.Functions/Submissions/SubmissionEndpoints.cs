using Microsoft.AspNetCore.Http.HttpResults;
using PeerEval.Domain.Submissions;
using PeerEval.Functions.Auth;
using PeerEval.Functions.Hosting;

namespace PeerEval.Functions.Submissions;

public static class SubmissionEndpoints
{
    public static WebApplicationBuilder AddSubmissions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ParticipantKeyOptions>().BindConfiguration("PeerEval").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ParticipantHasher>();
        builder.Services.AddSingleton<SubmissionStore>();
        builder.Services.AddSingleton<SubmissionIntake>();
        return builder;
    }

    public static RouteGroupBuilder MapSubmissions(this RouteGroupBuilder api)
    {
        var submissions = api.MapGroup($"/services/{{serviceId:{Routes.ServiceIdConstraint}}}/submissions").WithTags("Submissions");
        submissions.MapPost("/", SubmitAsync).RequireKey(KeyRole.Submit).WithName("SubmitSubmission")
            .Accepts<SubmissionBody>("application/json")
            .Produces<SubmissionReceipt>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        // Browsers ask first (CORS preflight); OriginPolicy answers for listed origins, this for everyone else.
        submissions.MapMethods("/", [HttpMethods.Options], () => Results.NoContent()).WithName("SubmissionPreflight").ExcludeFromDescription();
        submissions.MapGet("/{submissionId}", StatusAsync).RequireKey(KeyRole.Submit, KeyRole.Admin).WithName("GetSubmissionStatus");
        return api;
    }

    private static async Task<IResult> SubmitAsync(string serviceId, HttpRequest request, SubmissionIntake intake, CancellationToken ct)
    {
        var (document, _, error) = await JsonBody.ReadAsync(request, ct);
        if (error is not null)
            return error;
        using (document)
        {
            var (submission, errors, outcome) = await intake.AcceptAsync(serviceId, document!.RootElement, ct);
            if (submission is null)
                return ApiConventions.ValidationProblem(errors);
            if (outcome == AcceptOutcome.Conflict)
                return TypedResults.Problem(statusCode: 409, title: "This submissionId was already used for a different submission.",
                    detail: "Generate a new submissionId for each new submission; reuse one only to retry the very same body.");
            return TypedResults.Accepted($"/api/services/{serviceId}/submissions/{submission.SubmissionId}",
                new SubmissionReceipt(submission.SubmissionId, SubmissionStatus.Queued));
        }
    }

    private static async Task<Results<Ok<SubmissionReceipt>, ProblemHttpResult>> StatusAsync(
        string serviceId, string submissionId, SubmissionStore store, CancellationToken ct)
    {
        if (!SubmissionParser.SubmissionIdPattern().IsMatch(submissionId)
            || await store.FindAsync(serviceId, submissionId, ct) is not { } entity
            || entity.GetString("Status") == SubmissionStatus.Erased)
            return TypedResults.Problem(statusCode: 404, title: "No such submission for this service.");
        return TypedResults.Ok(new SubmissionReceipt(submissionId, entity.GetString("Status"), entity.GetString("Reason") is { Length: > 0 } reason ? reason : null));
    }
}
