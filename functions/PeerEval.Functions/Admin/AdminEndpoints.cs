using Microsoft.AspNetCore.Http.HttpResults;
using PeerEval.Domain;
using PeerEval.Functions.Aggregation;
using PeerEval.Functions.Auth;
using PeerEval.Functions.Hosting;
using PeerEval.Functions.Services;

namespace PeerEval.Functions.Admin;

public sealed record ServiceRequest(string? Name, IReadOnlyList<string>? AllowedOrigins);

public sealed record KeyRequest(KeyRole Role, IReadOnlyList<string> Services);

public sealed record ErasureRequest(string ParticipantRef);

public sealed record IssuedKey(string KeyId, string Key, KeyRole Role, IReadOnlyList<string> Services);

public static class AdminEndpoints
{
    public static RouteGroupBuilder MapAdmin(this RouteGroupBuilder api)
    {
        var admin = api.MapGroup("/admin").RequireKey(KeyRole.Admin).WithTags("Admin");
        var service = $"/services/{{serviceId:{Routes.ServiceIdConstraint}}}";
        admin.MapPut(service, PutServiceAsync).WithName("PutService");
        admin.MapGet(service, GetServiceAsync).WithName("GetService");
        admin.MapPost(service + "/rebuild", async (string serviceId, Rebuilder rebuilder, CancellationToken ct) =>
            TypedResults.Ok(await rebuilder.RebuildAsync(serviceId, ct))).WithName("RebuildReports");
        admin.MapPost(service + "/erasures", EraseAsync).WithName("EraseParticipant");
        admin.MapGet(service + "/audit", async (string serviceId, Storage.Storage storage, CancellationToken ct) =>
            TypedResults.Ok(await storage.AuditLog.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == serviceId, maxPerPage: 100, cancellationToken: ct)
                .Take(100)
                .Select(e => new { id = e.RowKey, action = e.GetString("Action"), submissions = e.GetInt32("Submissions"), requestedBy = e.GetString("RequestedBy"), at = e.GetDateTimeOffset("At") })
                .ToListAsync(ct))).WithName("AuditLog");
        admin.MapPost("/keys", IssueKeyAsync).WithName("IssueKey");
        admin.MapDelete("/keys/{keyId}", async Task<Results<NoContent, ProblemHttpResult>> (string keyId, ApiKeyStore keys, CancellationToken ct) =>
            await keys.RevokeAsync(keyId, ct) ? TypedResults.NoContent() : TypedResults.Problem(statusCode: 404, title: "No such key."))
            .WithName("RevokeKey");
        admin.MapGet("/poison", async (PoisonMessages poison, CancellationToken ct) => TypedResults.Ok(await poison.ListAsync(ct)))
            .WithName("ListPoisonMessages");
        admin.MapPost("/poison/replay", async (PoisonMessages poison, CancellationToken ct) =>
            TypedResults.Ok(new { replayed = await poison.ReplayAsync(ct) })).WithName("ReplayPoisonMessages");
        return api;
    }

    private static async Task<IResult> PutServiceAsync(string serviceId, HttpRequest request, ServiceDirectory services, CancellationToken ct)
    {
        var (body, error) = await JsonBody.ReadAsync<ServiceRequest>(request, ct);
        if (error is not null)
            return error;
        var errors = new ErrorBag();
        var origins = body!.AllowedOrigins ?? [];
        for (var i = 0; i < origins.Count; i++)
            if (!Uri.TryCreate(origins[i], UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")
                || uri.GetLeftPart(UriPartial.Authority) != origins[i])
                errors.Add($"allowedOrigins[{i}]", "Give an origin: scheme, host and port only, like https://example.org.");
        if (body.Name is { Length: > 200 })
            errors.Add("name", "At most 200 characters.");
        if (!errors.IsEmpty)
            return ApiConventions.ValidationProblem(errors);

        var definition = new ServiceDefinition(serviceId, body.Name ?? serviceId, origins);
        await services.SaveAsync(definition, ct);
        return TypedResults.Ok(definition);
    }

    private static async Task<Results<Ok<ServiceDefinition>, ProblemHttpResult>> GetServiceAsync(string serviceId, ServiceDirectory services, CancellationToken ct) =>
        await services.FindAsync(serviceId, ct) is { } service
            ? TypedResults.Ok(service)
            : TypedResults.Problem(statusCode: 404, title: "No such service.");

    private static async Task<IResult> EraseAsync(string serviceId, HttpContext context, Erasure erasure, CancellationToken ct)
    {
        var (body, error) = await JsonBody.ReadAsync<ErasureRequest>(context.Request, ct);
        if (error is not null)
            return error;
        if (string.IsNullOrWhiteSpace(body!.ParticipantRef) || body.ParticipantRef.Length > PeerEval.Domain.Submissions.SubmissionParser.MaxParticipantRefLength)
        {
            var errors = new ErrorBag();
            errors.Add("participantRef", "Required, at most 200 characters.");
            return ApiConventions.ValidationProblem(errors);
        }
        var key = (ApiKey)context.Items[typeof(ApiKey)]!;
        return TypedResults.Ok(await erasure.EraseAsync(serviceId, body.ParticipantRef, key.KeyId, ct));
    }

    private static async Task<IResult> IssueKeyAsync(HttpRequest request, ApiKeyStore keys, CancellationToken ct)
    {
        var (body, error) = await JsonBody.ReadAsync<KeyRequest>(request, ct);
        if (error is not null)
            return error;
        var errors = new ErrorBag();
        var services = body!.Services ?? [];
        if (body.Role == KeyRole.Submit && (services.Count != 1 || services[0] == ApiKey.AllServices))
            errors.Add("services", "A submit key is bound to exactly one service.");
        if (body.Role == KeyRole.Report && services.Count == 0)
            errors.Add("services", "List the services this key may read, or \"*\" for all.");
        for (var i = 0; i < services.Count; i++)
            if (services[i] != ApiKey.AllServices && !System.Text.RegularExpressions.Regex.IsMatch(services[i], Routes.ServiceIdPattern))
                errors.Add($"services[{i}]", "Not a service id.");
        if (!errors.IsEmpty)
            return ApiConventions.ValidationProblem(errors);

        var (key, secret) = await keys.IssueAsync(body.Role, body.Role == KeyRole.Admin ? [] : services, ct);
        return TypedResults.Created($"/api/admin/keys/{key.KeyId}", new IssuedKey(key.KeyId, secret, key.Role, key.Services));
    }
}
