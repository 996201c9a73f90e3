using System.Text.Json;
using Azure;
using Microsoft.AspNetCore.Diagnostics;
using PeerEval.Domain;

namespace PeerEval.Functions.Hosting;

/// <summary>What every endpoint shares: problem details for every error, one JSON shape, security headers.</summary>
public static class ApiConventions
{
    public static WebApplicationBuilder AddApiConventions(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            var domain = DomainJson.Options;
            options.SerializerOptions.PropertyNamingPolicy = domain.PropertyNamingPolicy;
            foreach (var converter in domain.Converters)
                options.SerializerOptions.Converters.Add(converter);
        });
        // Bodies are read and size-checked by hand (64 KiB, see JsonBody); this only stops abuse early.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 1024 * 1024);
        return builder;
    }

    public static WebApplication UseApiConventions(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Resource-Policy"] = "same-site";
            headers.CacheControl = "no-store";
            await next(context);
        });
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = WriteUnhandledAsync });
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            if (http.Response.ContentLength is null && string.IsNullOrEmpty(http.Response.ContentType))
                await Results.Problem(statusCode: http.Response.StatusCode).ExecuteAsync(http);
        });
        return app;
    }

    /// <summary>Storage trouble is the client's cue to retry (503); anything else is a plain 500 with no detail leaked.</summary>
    private static async Task WriteUnhandledAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        if (error is RequestFailedException or TimeoutException or HttpRequestException or OperationCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            context.Response.Headers.RetryAfter = "5";
            await Results.Problem(statusCode: 503, title: "Storage is unavailable",
                detail: "Nothing was recorded that cannot be retried. Send the same request again shortly.").ExecuteAsync(context);
            return;
        }
        await Results.Problem(statusCode: 500, title: "Unexpected error").ExecuteAsync(context);
    }

    public static IResult ValidationProblem(ErrorBag errors, string? title = null) =>
        TypedResults.ValidationProblem(errors.ToProblemErrors(), title: title ?? "The request has invalid fields.");
}

/// <summary>Reads a JSON request body under the contract's rules: JSON only (415), at most 64 KiB (413), well formed (400).</summary>
public static class JsonBody
{
    public const int MaxBytes = 64 * 1024;

    public static async Task<(JsonDocument? Document, byte[] Bytes, IResult? Error)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!IsJson(request.ContentType))
            return (null, [], TypedResults.Problem(statusCode: 415, title: "Send the body as application/json."));
        if (request.ContentLength > MaxBytes)
            return (null, [], TooLarge());

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
                return (null, [], TooLarge());
            buffer.Write(chunk, 0, read);
        }
        var bytes = buffer.ToArray();
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            var encoding = new PeerEval.Domain.ErrorBag();
            encoding.Add("$", "The body is not valid UTF-8.");
            return (null, [], ApiConventions.ValidationProblem(encoding, "The body is not valid UTF-8."));
        }
        try
        {
            var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 32 });
            try
            {
                EnsureReadable(document.RootElement);
            }
            catch (InvalidOperationException)
            {
                document.Dispose();
                var escapes = new PeerEval.Domain.ErrorBag();
                escapes.Add("$", "The body holds a string that is not valid Unicode (a lone surrogate escape).");
                return (null, [], ApiConventions.ValidationProblem(escapes, "The body is not valid JSON text."));
            }
            return (document, bytes, null);
        }
        catch (JsonException e)
        {
            var errors = new PeerEval.Domain.ErrorBag();
            errors.Add("$", $"The body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}).");
            return (null, [], ApiConventions.ValidationProblem(errors, "The body is not valid JSON."));
        }
    }

    /// <summary>Reads a body into T, rejecting unknown, missing and mistyped properties with a 400 naming the field.</summary>
    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken) where T : class
    {
        var (document, _, error) = await ReadAsync(request, cancellationToken);
        if (error is not null)
            return (null, error);
        using (document)
        {
            var errors = new PeerEval.Domain.ErrorBag();
            try
            {
                if (document!.Deserialize<T>(StrictOptions) is { } value)
                    return (value, null);
                errors.Add("$", "A JSON object is required.");
            }
            catch (JsonException e)
            {
                errors.Add(e.Path is { Length: > 1 } path ? path.TrimStart('$', '.') : "$", "Missing, unknown or mistyped property.");
            }
            return (null, ApiConventions.ValidationProblem(errors));
        }
    }

    private static readonly JsonSerializerOptions StrictOptions = new(DomainJson.Options)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };

    /// <summary>
    /// JsonDocument decodes escapes lazily, so "\ud800" only fails when read; read every name and string
    /// once here, so that handlers never meet the failure.
    /// </summary>
    private static void EnsureReadable(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    EnsureReadable(property.Value);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                    EnsureReadable(item);
                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
        }
    }

    private static IResult TooLarge() =>
        TypedResults.Problem(statusCode: 413, title: $"The body is larger than {MaxBytes / 1024} KiB.");

    private static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
            return false;
        var mediaType = contentType.Split(';')[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }
}
