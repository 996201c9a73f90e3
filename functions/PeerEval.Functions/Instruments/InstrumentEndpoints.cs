using Microsoft.AspNetCore.Http.HttpResults;
using PeerEval.Domain.Instruments;
using PeerEval.Functions.Auth;
using PeerEval.Functions.Hosting;

namespace PeerEval.Functions.Instruments;

public static class InstrumentEndpoints
{
    public static WebApplicationBuilder AddInstruments(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<InstrumentCatalog>();
        return builder;
    }

    public static RouteGroupBuilder MapInstruments(this RouteGroupBuilder api)
    {
        var instruments = api.MapGroup("/instruments").WithTags("Instruments");
        instruments.MapGet("/", async (InstrumentCatalog catalog, CancellationToken ct) =>
            TypedResults.Ok((await catalog.GetAllAsync(ct)).Values.OrderBy(i => i.Id, StringComparer.Ordinal)))
            .WithName("ListInstruments");
        instruments.MapGet("/{instrumentId}", async Task<Results<Ok<InstrumentDefinition>, ProblemHttpResult>> (
            string instrumentId, InstrumentCatalog catalog, CancellationToken ct) =>
            (await catalog.GetAllAsync(ct)).TryGetValue(instrumentId, out var definition)
                ? TypedResults.Ok(definition)
                : TypedResults.Problem(statusCode: 404, title: $"No instrument '{instrumentId}'."))
            .WithName("GetInstrument");

        api.MapPut("/admin/instruments/{instrumentId}", SaveAsync).RequireKey(KeyRole.Admin).WithTags("Admin").WithName("SaveInstrument");
        return api;
    }

    private static async Task<IResult> SaveAsync(string instrumentId, HttpRequest request, InstrumentCatalog catalog, CancellationToken ct)
    {
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
        await catalog.SaveAsync(definition, ct);
        return TypedResults.Ok(definition);
    }
}
