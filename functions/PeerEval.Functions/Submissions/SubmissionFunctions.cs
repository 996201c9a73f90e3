using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PeerEval.Domain.Submissions;
using PeerEval.Functions.Auth;
using PeerEval.Functions.Hosting;
using PeerEval.Contracts;

namespace PeerEval.Functions.Submissions;

public static class SubmissionsModule
{
    public static IHostApplicationBuilder AddSubmissions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ParticipantKeyOptions>().BindConfiguration("PeerEval").ValidateDataAnnotations()
            .Validate<IHostEnvironment>((options, environment) => environment.IsDevelopment() || options.ParticipantKey != ParticipantKeyOptions.PublishedDevelopmentKey,
                "PeerEval:ParticipantKey is the development key published in this repository; set a secret of your own.")
            .ValidateOnStart();
        builder.Services.AddOptions<IntakeOptions>().BindConfiguration("PeerEval:Intake").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ParticipantHasher>();
        builder.Services.AddSingleton<SubmissionStore>();
        builder.Services.AddSingleton<SubmissionIntake>();
        return builder;
    }
}

public sealed class SubmissionFunctions(SubmissionIntake intake, SubmissionStore store)
{
    /// <summary>Takes one submission (OPTIONS is the browsers' preflight, answered by the origin policy).</summary>
    [Function("SubmitSubmission")]
    [Authorize(Policy = KeyPolicies.Submit)]
    [Consumes("application/json")]
    [ProducesResponseType<SubmissionReceipt>(202)]
    [ProducesResponseType(400)]
    [ProducesResponseType(409)]
    [ProducesResponseType(410)]
    [ProducesResponseType(413)]
    [ProducesResponseType(415)]
    public async Task<IResult> SubmitAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", "options", Route = "services/{serviceId}/submissions")] HttpRequest request, string serviceId)
    {
        var ct = request.HttpContext.RequestAborted;
        var (document, _, error) = await JsonBody.ReadAsync(request, ct);
        if (error is not null)
            return error;
        using (document)
        {
            var form = request.HttpContext.User.ApiKey() is { IsFormToken: true } token ? new FormOrigin(token.Invitation) : null;
            var (submission, errors, outcome) = await intake.AcceptAsync(serviceId, document!.RootElement, ct, form);
            if (submission is null)
                return ApiConventions.ValidationProblem(errors);
            if (SubmissionIntake.ProblemFor(outcome) is { } problem)
                return problem;
            return Accepted(serviceId, submission);
        }
    }

    /// <summary>The answer to a submission taken, however it was sent: its receipt, and where its status will be.</summary>
    public static IResult Accepted(string serviceId, SubmissionRequest submission) =>
        TypedResults.Accepted($"/api/services/{serviceId}/submissions/{submission.SubmissionId}",
            new SubmissionReceipt(submission.SubmissionId, SubmissionStatus.Queued));

    [Function("GetSubmissionStatus")]
    [Authorize(Policy = KeyPolicies.SubmitOrAdmin)]
    [ProducesResponseType<SubmissionReceipt>(200)]
    [ProducesResponseType(404)]
    public async Task<IResult> StatusAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "services/{serviceId}/submissions/{submissionId}")] HttpRequest request,
        string serviceId, string submissionId)
    {
        if (!SubmissionParser.SubmissionIdPattern().IsMatch(submissionId)
            || await store.FindAsync(serviceId, submissionId, request.HttpContext.RequestAborted) is not { } stored
            || stored.Status == SubmissionStatus.Erased)
            return TypedResults.Problem(statusCode: 404, title: "No such submission for this service.");
        return TypedResults.Ok(new SubmissionReceipt(submissionId, stored.Status, stored.Reason));
    }
}
