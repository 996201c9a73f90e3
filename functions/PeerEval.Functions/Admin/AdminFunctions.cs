using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PeerEval.Contracts;
using PeerEval.Domain;
using PeerEval.Domain.Network;
using PeerEval.Functions.Aggregation;
using PeerEval.Functions.Auth;
using PeerEval.Functions.Forms;
using PeerEval.Functions.Hosting;
using PeerEval.Functions.Network;
using PeerEval.Functions.Services;

namespace PeerEval.Functions.Admin;

public sealed record ServiceRequest(
    string? Name = null, IReadOnlyList<string>? AllowedOrigins = null, bool? PublicForms = null, CrisisContact? CrisisContact = null, PrivacyNotice? PrivacyNotice = null,
    IReadOnlyList<PeerRole?>? PeerRoles = null, bool? ShareWithNetwork = null);

public sealed record KeyRequest(KeyRole Role, IReadOnlyList<string> Services);

public sealed record ErasureRequest(string ParticipantRef);

public sealed record IssuedKey(string KeyId, string Key, KeyRole Role, IReadOnlyList<string> Services);

/// <summary>
/// What an admin key may do. The routes live under `manage/`: the Functions host reserves every
/// function route that starts with `admin` for its own management API.
/// </summary>
[Authorize(Policy = KeyPolicies.Admin)]
public sealed class AdminFunctions(ServiceDirectory services, ApiKeyStore keys, Rebuilder rebuilder, Erasure erasure, PoisonMessages poison, NetworkFeed network)
{
    [Function("PutService")]
    [ProducesResponseType<ServiceDefinition>(200)]
    [ProducesResponseType(400)]
    public async Task<IResult> PutServiceAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "manage/services/{serviceId}")] HttpRequest request, string serviceId)
    {
        var ct = request.HttpContext.RequestAborted;
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
        FormSettings.Validate(body.CrisisContact, body.PrivacyNotice, errors);
        PeerRoles.Validate(body.PeerRoles, errors);
        if (!errors.IsEmpty)
            return ApiConventions.ValidationProblem(errors);

        var definition = new ServiceDefinition(serviceId, body.Name ?? serviceId, origins, body.PublicForms ?? false, body.CrisisContact, body.PrivacyNotice,
            [.. (body.PeerRoles ?? []).OfType<PeerRole>()], body.ShareWithNetwork ?? false);
        var shared = await services.SharesWithNetworkAsync(serviceId, ct);
        await services.SaveAsync(definition, ct);
        // Joining folds the service's months into the pool, leaving withdraws them; both after the save, so the folds see it.
        if (shared || definition.ShareWithNetwork)
            await network.ServiceChangedAsync(serviceId, ct);
        return TypedResults.Ok(definition);
    }

    [Function("GetService")]
    [ProducesResponseType<ServiceDefinition>(200)]
    [ProducesResponseType(404)]
    public async Task<IResult> GetServiceAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "manage/services/{serviceId}")] HttpRequest request, string serviceId) =>
        await services.FindAsync(serviceId, request.HttpContext.RequestAborted) is { } service
            ? TypedResults.Ok(service)
            : TypedResults.Problem(statusCode: 404, title: "No such service.");

    [Function("RebuildReports")]
    [ProducesResponseType<RebuildSummary>(200)]
    public async Task<IResult> RebuildAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "manage/services/{serviceId}/rebuild")] HttpRequest request, string serviceId) =>
        TypedResults.Ok(await rebuilder.RebuildAsync(serviceId, request.HttpContext.RequestAborted));

    [Function("EraseParticipant")]
    [Consumes("application/json")]
    [ProducesResponseType<ErasureResult>(200)]
    [ProducesResponseType(400)]
    public async Task<IResult> EraseAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "manage/services/{serviceId}/erasures")] HttpRequest request, string serviceId)
    {
        var ct = request.HttpContext.RequestAborted;
        var (body, error) = await JsonBody.ReadAsync<ErasureRequest>(request, ct);
        if (error is not null)
            return error;
        if (PeerEval.Domain.Submissions.ParticipantRefs.Normalize(body!.ParticipantRef, out var problem) is not { } participantRef)
        {
            var errors = new ErrorBag();
            errors.Add("participantRef", problem!);
            return ApiConventions.ValidationProblem(errors);
        }
        return TypedResults.Ok(await erasure.EraseAsync(serviceId, participantRef, request.HttpContext.User.ApiKey()!.KeyId, ct));
    }

    [Function("AuditLog")]
    [ProducesResponseType<IReadOnlyList<AuditEntry>>(200)]
    public async Task<IResult> AuditAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "manage/services/{serviceId}/audit")] HttpRequest request, string serviceId) =>
        TypedResults.Ok(await erasure.AuditAsync(serviceId, request.HttpContext.RequestAborted));

    [Function("IssueKey")]
    [Consumes("application/json")]
    [ProducesResponseType<IssuedKey>(201)]
    [ProducesResponseType(400)]
    public async Task<IResult> IssueKeyAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "manage/keys")] HttpRequest request)
    {
        var ct = request.HttpContext.RequestAborted;
        var (body, error) = await JsonBody.ReadAsync<KeyRequest>(request, ct);
        if (error is not null)
            return error;
        var errors = new ErrorBag();
        var scope = body!.Services ?? [];
        if (body.Role == KeyRole.Submit && (scope.Count != 1 || scope[0] == ApiKey.AllServices))
            errors.Add("services", "A submit key is bound to exactly one service.");
        if (body.Role == KeyRole.Report && scope.Count == 0)
            errors.Add("services", "List the services this key may read, or \"*\" for all.");
        if (body.Role == KeyRole.Network && scope.Count > 0)
            errors.Add("services", "A network key reads the pooled figures of sharing services only; list no services.");
        for (var i = 0; i < scope.Count; i++)
            if (scope[i] != ApiKey.AllServices && !Routes.ServiceId().IsMatch(scope[i]))
                errors.Add($"services[{i}]", "Not a service id.");
        if (!errors.IsEmpty)
            return ApiConventions.ValidationProblem(errors);

        var (key, secret) = await keys.IssueAsync(body.Role, body.Role == KeyRole.Admin ? [] : scope, ct);
        return TypedResults.Created($"/api/manage/keys/{key.KeyId}", new IssuedKey(key.KeyId, secret, key.Role, key.Services));
    }

    [Function("RevokeKey")]
    [ProducesResponseType(204)]
    [ProducesResponseType(404)]
    public async Task<IResult> RevokeKeyAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "manage/keys/{keyId}")] HttpRequest request, string keyId) =>
        await keys.RevokeAsync(keyId, request.HttpContext.RequestAborted)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: 404, title: "No such key.");

    [Function("ListPoisonMessages")]
    [ProducesResponseType<IReadOnlyList<PoisonRecord>>(200)]
    public async Task<IResult> ListPoisonAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "manage/poison")] HttpRequest request) =>
        TypedResults.Ok(await poison.ListAsync(request.HttpContext.RequestAborted));

    [Function("ReplayPoisonMessages")]
    [ProducesResponseType<ReplayResult>(200)]
    public async Task<IResult> ReplayPoisonAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "manage/poison/replay")] HttpRequest request) =>
        TypedResults.Ok(await poison.ReplayAsync(request.HttpContext.RequestAborted));
}
