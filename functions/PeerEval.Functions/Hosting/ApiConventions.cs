using System.Text.Json;
using Azure;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.Middleware;
using PeerEval.Domain;

namespace PeerEval.Functions.Hosting;

/// <summary>
/// What every HTTP function shares, whatever it does: security headers, one JSON shape, a 404 for a
/// service id that cannot exist, and problem details for every failure, so that an exception never
/// reaches the host (which would answer an empty 200).
/// </summary>
public static class ApiConventions
{
    public static FunctionsApplicationBuilder AddApiConventions(this FunctionsApplicationBuilder builder)
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
        builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = 1024 * 1024);
        builder.UseMiddleware<ApiConventionsMiddleware>();
        return builder;
    }

    public static IResult ValidationProblem(ErrorBag errors, string? title = null) =>
        TypedResults.ValidationProblem(errors.ToProblemErrors(), title: title ?? "The request has invalid fields.");

    /// <summary>A value the host bound for this invocation: a route parameter, or trigger metadata such as DequeueCount.</summary>
    public static string? BindingValue(this FunctionContext context, string name) =>
        context.BindingContext.BindingData.TryGetValue(name, out var value) ? value?.ToString() : null;
}

internal sealed class ApiConventionsMiddleware(ILogger<ApiConventionsMiddleware> logger) : HttpMiddleware
{
    protected override async Task InvokeAsync(FunctionContext context, HttpContext http, FunctionExecutionDelegate next)
    {
        var headers = http.Response.Headers;
        // The app's own share of a request's time, so a client (or the bench) can tell it from the host's hop.
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        http.Response.OnStarting(() =>
        {
            headers["Server-Timing"] = $"app;dur={System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)}";
            return Task.CompletedTask;
        });
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Resource-Policy"] = "same-site";
        headers.CacheControl = "no-store";

        if (context.BindingValue("serviceId") is { } serviceId && !Routes.ServiceId().IsMatch(serviceId))
        {
            Answer(context, TypedResults.Problem(statusCode: 404, title: "No such service.",
                detail: "Service ids are lower-case letters, digits and hyphens."));
            return;
        }
        try
        {
            await next(context);
        }
        catch (Exception e) when (!http.Response.HasStarted)
        {
            Answer(context, Unhandled(e, http));
        }
    }

    /// <summary>Storage trouble is the client's cue to retry (503); anything else is a plain 500 with no detail leaked.</summary>
    private IResult Unhandled(Exception error, HttpContext http)
    {
        if (error is RequestFailedException or TimeoutException or HttpRequestException
            || error is OperationCanceledException && !http.RequestAborted.IsCancellationRequested)
        {
            logger.LogWarning("Storage failed during {Path}: {Error}", http.Request.Path, error.GetType().Name);
            http.Response.Headers.RetryAfter = "5";
            return TypedResults.Problem(statusCode: 503, title: "Storage is unavailable",
                detail: "Nothing was recorded that cannot be retried. Send the same request again shortly.");
        }
        logger.LogError(error, "Unexpected failure during {Path}.", http.Request.Path);
        return TypedResults.Problem(statusCode: 500, title: "Unexpected error");
    }
}

/// <summary>Reads a JSON request body under the contract's rules: JSON only (415), at most 64 KiB (413), well formed (400).</summary>
public static class JsonBody
{
    public const int MaxBytes = 64 * 1024;

    /// <summary>
    /// The body, or null once it passes <see cref="MaxBytes"/>: counted as it is read, so a chunked
    /// body that declares no length is held to the limit as well.
    /// </summary>
    public static async Task<byte[]?> ReadBoundedAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
            return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
                return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    public static async Task<(JsonDocument? Document, byte[] Bytes, IResult? Error)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!IsJson(request.ContentType))
            return (null, [], TypedResults.Problem(statusCode: 415, title: "Send the body as application/json."));
        if (await ReadBoundedAsync(request, cancellationToken) is not { } bytes)
            return (null, [], TooLarge());
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
