using System.Text.Json;
using Microsoft.Extensions.Options;
using PeerEval.Domain;
using PeerEval.Functions.Hosting;
using PeerEval.Functions.Submissions;

namespace PeerEval.Functions.Aggregation;

public static class AggregationExtensions
{
    public static WebApplicationBuilder AddAggregation(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<QueueOptions>().BindConfiguration("PeerEval:Queue").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ParticipantLedger>();
        builder.Services.AddSingleton<ReportWriter>();
        builder.Services.AddSingleton<Aggregator>();
        builder.Services.AddSingleton<PoisonMessages>();
        builder.Services.AddSingleton<Rebuilder>();
        builder.Services.AddSingleton<Admin.Erasure>();
        // Under the Functions host the host owns the queue and posts each message to /AggregateSubmission.
        if (!FunctionsHost.IsCustomHandler(builder.Configuration) && builder.Configuration.GetValue("PeerEval:Queue:ListenerEnabled", true))
            builder.Services.AddHostedService<QueueListener>();
        return builder;
    }

    /// <summary>
    /// The custom-handler invocation for the queue-triggered function: `{ Data: { message }, Metadata }`.
    /// A non-2xx answer tells the host to retry; after the last try it moves the message to the poison queue.
    /// </summary>
    public static WebApplication MapFunctionsHostInvocations(this WebApplication app)
    {
        app.MapPost("/AggregateSubmission", async (HttpRequest request, Aggregator aggregator, PoisonMessages poison,
            IOptions<QueueOptions> options, CancellationToken ct) =>
        {
            // The host talks to its handler over loopback; nobody else may drive the queue function.
            if (request.HttpContext.Connection.RemoteIpAddress is not { } caller || !System.Net.IPAddress.IsLoopback(caller))
                return Results.NotFound();
            var (document, _, error) = await JsonBody.ReadAsync(request, ct);
            if (error is not null)
                return error;
            using (document)
            {
                var invocation = HostInvocation.Read(document!.RootElement);
                if (invocation is null)
                    return TypedResults.Problem(statusCode: 400, title: "Expected { \"Data\": { \"message\": ... }, \"Metadata\": { ... } }.");
                var result = (await aggregator.ProcessAsync([invocation.MessageText], ct))[0];
                if (result.Succeeded)
                    return Results.Json(new { Outputs = new { }, Logs = Array.Empty<string>(), ReturnValue = (object?)null }, HostInvocation.JsonOptions);
                if (invocation.DequeueCount >= options.Value.MaxDequeueCount)
                    await poison.RecordAsync(invocation.MessageId, invocation.MessageText, result.Message, result.FailureReason!, invocation.DequeueCount, ct);
                return Results.Json(new { Outputs = new { }, Logs = new[] { result.FailureReason }, ReturnValue = (object?)null }, HostInvocation.JsonOptions, statusCode: 500);
            }
        }).ExcludeFromDescription();
        return app;
    }
}

/// <summary>A queue invocation as the Functions host posts it to a custom handler.</summary>
public sealed record HostInvocation(string MessageText, string MessageId, long DequeueCount)
{
    /// <summary>The host's invocation contract is PascalCase.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = null };

    public static HostInvocation? Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("Data", out var data) || data.ValueKind != JsonValueKind.Object
            || !data.TryGetProperty("message", out var message)
            || message.ValueKind is not (JsonValueKind.String or JsonValueKind.Object))
            return null;
        // The host sends the message as a JSON string holding its text, or already parsed as an object.
        var text = message.ValueKind == JsonValueKind.String ? message.GetString()! : message.GetRawText();
        var metadata = root.TryGetProperty("Metadata", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
        return new HostInvocation(text, MetadataString(metadata, "Id") ?? Guid.NewGuid().ToString("n"),
            long.TryParse(MetadataString(metadata, "DequeueCount"), out var count) ? count : 1);
    }

    private static string? MetadataString(JsonElement metadata, string name) =>
        metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
            : null;
}
