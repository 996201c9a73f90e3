using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PeerEval.Domain.Instruments;
using PeerEval.Functions.Auth;
using PeerEval.Functions.Hosting;

namespace PeerEval.Functions.Instruments;

public static class InstrumentsModule
{
    public static IHostApplicationBuilder AddInstruments(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<InstrumentCatalog>();
        return builder;
    }
}

public sealed class InstrumentFunctions(InstrumentCatalog catalog)
{
    [Function("ListInstruments")]
    [ProducesResponseType<IEnumerable<InstrumentDefinition>>(200)]
    public async Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "instruments")] HttpRequest request) =>
        TypedResults.Ok((await catalog.GetAllAsync(request.HttpContext.RequestAborted)).Values.OrderBy(i => i.Id, StringComparer.Ordinal));

    [Function("GetInstrument")]
    [ProducesResponseType<InstrumentDefinition>(200)]
    [ProducesResponseType(404)]
    public async Task<IResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "instruments/{instrumentId}")] HttpRequest request, string instrumentId) =>
        (await catalog.GetAllAsync(request.HttpContext.RequestAborted)).TryGetValue(instrumentId, out var definition)
            ? TypedResults.Ok(definition)
            : TypedResults.Problem(statusCode: 404, title: $"No instrument '{instrumentId}'.");

    /// <summary>
    /// A service's own instrument, added without a code change. The server assigns the version: the
    /// same as before for new wording, the next one when items, ranges or scoring change.
    /// </summary>
    [Function("SaveInstrument")]
    [Authorize(Policy = KeyPolicies.Admin)]
    [ProducesResponseType<InstrumentDefinition>(200)]
    [ProducesResponseType(400)]
    [ProducesResponseType(409)]
    public async Task<IResult> SaveAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "manage/instruments/{instrumentId}")] HttpRequest request, string instrumentId)
    {
        var ct = request.HttpContext.RequestAborted;
        var (definition, error) = await JsonBody.ReadAsync<InstrumentDefinition>(request, ct);
        if (error is not null)
            return error;
        var errors = InstrumentRules.Validate(definition!);
        if (definition!.Id != instrumentId)
            errors.Add("id", "Must match the id in the route.");
        if (!errors.IsEmpty)
            return ApiConventions.ValidationProblem(errors);
        if (InstrumentCatalog.IsBuiltIn(instrumentId))
            return TypedResults.Problem(statusCode: 409, title: $"'{instrumentId}' is built in; give your instrument its own id.");
        return TypedResults.Ok(await catalog.SaveAsync(definition, ct));
    }
}
