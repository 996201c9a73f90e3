using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PeerEval.Domain;

namespace PeerEval.Functions.Fhir;

/// <summary>FHIR answers: resources as application/fhir+json, and every error a FHIR route gives itself as an OperationOutcome.</summary>
public static class FhirResults
{
    public const string MediaType = "application/fhir+json";

    public static IResult Resource(Resource resource, int statusCode = 200) =>
        TypedResults.Text(resource.ToJson(), MediaType, Encoding.UTF8, statusCode);

    /// <summary>400 with one issue per message, each naming its element.</summary>
    public static IResult Invalid(ErrorBag errors) => Resource(new OperationOutcome
    {
        Issue = errors.ToDictionary().SelectMany(e => e.Value.Select(message => Issue(OperationOutcome.IssueType.Invalid, message, e.Key))).ToList(),
    }, 400);

    public static IResult Outcome(int statusCode, OperationOutcome.IssueType type, string message) =>
        Resource(new OperationOutcome { Issue = [Issue(type, message)] }, statusCode);

    /// <summary>A problem the shared code answers (body limits, conflicts) in FHIR's words, with the same status and text.</summary>
    public static IResult FromProblem(IResult problem)
    {
        var (status, details) = problem switch
        {
            ProblemHttpResult p => (p.StatusCode, p.ProblemDetails),
            ValidationProblem v => (v.StatusCode, (ProblemDetails)v.ProblemDetails),
            _ => throw new ArgumentException($"Not a problem: {problem.GetType().Name}.", nameof(problem)),
        };
        var messages = details is HttpValidationProblemDetails { Errors.Count: > 0 } validation
            ? validation.Errors.SelectMany(e => e.Value)
            : [string.Join(" ", new[] { details.Title, details.Detail }.Where(t => !string.IsNullOrEmpty(t)))];
        var type = status switch
        {
            409 => OperationOutcome.IssueType.Conflict,
            413 => OperationOutcome.IssueType.TooCostly,
            415 => OperationOutcome.IssueType.NotSupported,
            _ => OperationOutcome.IssueType.Invalid,
        };
        return Resource(new OperationOutcome { Issue = messages.Select(m => Issue(type, m)).ToList() }, status);
    }

    /// <summary>The FHIR JSON media type; plain JSON too, as FHIR servers commonly take it.</summary>
    public static bool IsFhirJson(string? contentType) =>
        contentType?.Split(';')[0].Trim() is { } mediaType
        && (mediaType.Equals(MediaType, StringComparison.OrdinalIgnoreCase) || mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase));

    private static OperationOutcome.IssueComponent Issue(OperationOutcome.IssueType type, string message, string? expression = null) => new()
    {
        Severity = OperationOutcome.IssueSeverity.Error,
        Code = type,
        Diagnostics = message,
        Expression = expression is null ? [] : [expression],
    };
}
