using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace PeerEval.Functions.Hosting;

/// <summary>The OpenAPI description, written from the function attributes (routes, policies, responses), so it cannot drift from them.</summary>
public sealed class OpenApiFunction
{
    private static readonly Lazy<string> Document = new(() => Describe(FunctionCatalog.HttpFunctions).ToJsonString());

    [Function("OpenApiDocument")]
    [ProducesResponseType(200)]
    public IResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi/v1.json")] HttpRequest request) =>
        TypedResults.Text(Document.Value, "application/json; charset=utf-8");

    public static JsonObject Describe(IEnumerable<HttpFunction> functions)
    {
        var paths = new JsonObject();
        foreach (var function in functions.Where(f => f.Name != "OpenApiDocument"))
        {
            var path = paths[function.Path] as JsonObject ?? new JsonObject();
            paths[function.Path] = path;
            foreach (var method in function.Methods.Where(m => m != "OPTIONS"))
                path[method.ToLowerInvariant()] = Operation(function, method);
        }
        return new JsonObject
        {
            ["openapi"] = "3.1.1",
            ["info"] = new JsonObject
            {
                ["title"] = "PeerEval API",
                ["version"] = "v1",
                ["description"] = "Outcome questionnaires and length of stay in; exact, disclosure-controlled reports out. Contract: api-v1.md.",
            },
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = new JsonObject { ["bearer"] = new JsonObject { ["type"] = "http", ["scheme"] = "bearer" } },
            },
        };
    }

    private static JsonObject Operation(HttpFunction function, string method)
    {
        var responses = new JsonObject();
        foreach (var produces in function.Responses)
        {
            var response = responses[produces.StatusCode.ToString()] as JsonObject ?? new JsonObject { ["description"] = MeaningOf(produces.StatusCode) };
            responses[produces.StatusCode.ToString()] = response;
            var content = response["content"] as JsonObject ?? new JsonObject();
            response["content"] = content;
            var declared = new Microsoft.AspNetCore.Mvc.Formatters.MediaTypeCollection();
            ((Microsoft.AspNetCore.Mvc.ApiExplorer.IApiResponseMetadataProvider)produces).SetContentTypes(declared);
            var mediaType = declared.FirstOrDefault() ?? (produces.StatusCode >= 400 ? "application/problem+json" : "application/json");
            content[mediaType] = new JsonObject { ["schema"] = new JsonObject { ["title"] = produces.Type is { } type && type != typeof(void) ? type.Name : "ProblemDetails" } };
        }
        var operation = new JsonObject
        {
            ["operationId"] = function.Name,
            ["tags"] = new JsonArray(function.Method.DeclaringType!.Namespace!.Split('.')[^1]),
            ["parameters"] = new JsonArray(function.Route.Split('/').Where(s => s.StartsWith('{'))
                .Select(s => (JsonNode)new JsonObject { ["name"] = s.Trim('{', '}'), ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } })
                .Concat(function.Method.GetCustomAttributes<QueryParameterAttribute>().Select(q => (JsonNode)new JsonObject
                {
                    ["name"] = q.Name, ["in"] = "query", ["required"] = false, ["description"] = q.Description, ["schema"] = new JsonObject { ["type"] = "string" },
                }))
                .ToArray()),
            ["responses"] = responses,
        };
        if (function.Policy is not null)
        {
            operation["security"] = new JsonArray(new JsonObject { ["bearer"] = new JsonArray() });
            responses["401"] = new JsonObject { ["description"] = "No valid key." };
            responses["403"] = new JsonObject { ["description"] = "The key's role or services do not cover this." };
        }
        if (function.Method.GetCustomAttributes(typeof(ConsumesAttribute), false).Cast<ConsumesAttribute>().FirstOrDefault() is { } consumes && method is "POST" or "PUT")
            operation["requestBody"] = new JsonObject
            {
                ["required"] = true,
                ["content"] = new JsonObject(consumes.ContentTypes.Select(t => KeyValuePair.Create(t, (JsonNode?)new JsonObject()))),
            };
        return operation;
    }

    private static string MeaningOf(int status) => status switch
    {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No content",
        400 => "Invalid fields, each named by its JSON path.",
        404 => "Not found.",
        409 => "Conflict.",
        413 => "Body over 64 KiB.",
        415 => "Wrong content type.",
        503 => "Storage unavailable; retry.",
        _ => "See the contract.",
    };
}
