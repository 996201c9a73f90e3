namespace PeerEval.Functions.Hosting;

public static class ApiDocs
{
    public const string Route = "/api/openapi/{documentName}.json";

    public static WebApplicationBuilder AddApiDocs(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "PeerEval API";
            document.Info.Description = "Outcome questionnaires and length of stay in; exact, disclosure-controlled reports out. Contract: api-v1.md.";
            return Task.CompletedTask;
        }));
        return builder;
    }

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi(Route);
        return app;
    }
}
