using PeerEval.Testing;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace PeerEval.Functions.Tests.Infrastructure;

/// <summary>
/// Sits in every storage client's pipeline (the app adds DI-registered policies) and fails chosen
/// requests: before they are sent (storage unavailable) or after (the write landed, the caller crashed).
/// </summary>
public sealed class FaultInjector : HttpPipelinePolicy
{
    private int _injected;

    public Func<HttpMessage, bool> FailBefore { get; set; } = _ => false;
    public Func<HttpMessage, bool> FailAfter { get; set; } = _ => false;

    public int Injected => _injected;

    /// <summary>Puts this injector into every storage client of the app being built.</summary>
    public void Install(WebApplicationBuilder builder) => builder.Services.AddSingleton<HttpPipelinePolicy>(this);

    public static bool IsWriteTo(HttpMessage message, string table) =>
        message.Request.Method != RequestMethod.Get && message.Request.Uri.Path.Contains(table, StringComparison.Ordinal)
        || message.Request.Uri.Path.EndsWith("/$batch", StringComparison.Ordinal) && message.Request.Content is not null && Describes(message, table);

    private static bool Describes(HttpMessage message, string table)
    {
        using var buffer = new MemoryStream();
        message.Request.Content!.WriteTo(buffer, default);
        // An update names the entity ("/table(PartitionKey=…)"); an insert posts to the table itself ("/table?$format=…").
        var body = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        return body.Contains("/" + table + "(", StringComparison.Ordinal) || body.Contains("/" + table + "?", StringComparison.Ordinal);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (FailBefore(message))
        {
            Interlocked.Increment(ref _injected);
            throw new RequestFailedException(503, "Injected fault: storage unavailable.");
        }
        await ProcessNextAsync(message, pipeline);
        if (FailAfter(message))
        {
            Interlocked.Increment(ref _injected);
            throw new RequestFailedException(500, "Injected fault: crashed after the write.");
        }
    }
}
