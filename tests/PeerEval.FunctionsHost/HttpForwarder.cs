using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Http.Features;
using PeerEval.FunctionsHost.Rpc;

namespace PeerEval.FunctionsHost;

/// <summary>
/// The host's side of ASP.NET Core integration: each client request is forwarded to the worker's
/// own Kestrel (tagged with x-ms-invocation-id) while an InvocationRequest with the same id tells
/// the worker which function it is for. The worker pairs the two and answers the forwarded request.
/// </summary>
internal sealed class HttpForwarder(RouteTable routes, WorkerSlot workers, Action<string> log) : IDisposable
{
    private const int ConnectRetries = 10;

    // Connection-level headers a proxy must not pass on; Host is replaced by the target's.
    private static readonly HashSet<string> HopByHopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
        "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host",
    };

    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        // Pass header values on as the client sent them; a proxy does not judge their bytes.
        RequestHeaderEncodingSelector = (_, _) => System.Text.Encoding.UTF8,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task HandleAsync(HttpContext context)
    {
        var worker = workers.Current;
        if (worker?.HttpUri is not { } workerUri)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }
        if (routes.Match(context.Request.Method, context.Request.Path) is not { } match)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var (function, routeValues) = match;

        var invocationId = Guid.NewGuid().ToString();
        using var forwardingAborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var invocation = worker.InvokeAsync(InvocationFor(context, function, worker.FunctionIdOf(function.Name), invocationId, routeValues));
        var forwarding = ForwardAsync(context, workerUri, invocationId, forwardingAborted.Token);

        // A worker can fail the invocation without ever answering the forwarded request.
        if (await Task.WhenAny(invocation, forwarding) == invocation && !Succeeded(await invocation, function))
        {
            await forwardingAborted.CancelAsync();
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            _ = forwarding.ContinueWith(f => f.Result.Dispose(), TaskContinuationOptions.OnlyOnRanToCompletion);
            return;
        }

        HttpResponseMessage response;
        try
        {
            response = await forwarding;
        }
        catch (Exception e) when (e is HttpRequestException or IOException && !context.RequestAborted.IsCancellationRequested)
        {
            log($"[host] Forwarding {context.Request.Method} {context.Request.Path} to the worker failed: {e.Message}");
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }

        using (response)
        {
            await RespondAsync(context, function, invocation, response, forwardingAborted.Token);
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>
    /// Answers the client once the invocation's outcome is known: a failed invocation is a 500 whatever
    /// the worker wrote. The worker may report the outcome only after writing its whole response, so
    /// the body is read (and held) meanwhile rather than leaving the worker stuck on a full socket.
    /// </summary>
    private async Task RespondAsync(HttpContext context, LoadedFunction function, Task<InvocationResponse> invocation, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var chunk = new byte[81920];
        using var early = new MemoryStream();
        var read = body.ReadAsync(chunk, cancellationToken).AsTask();
        var ended = false;
        while (!invocation.IsCompleted && await Task.WhenAny(invocation, read) == read)
        {
            var count = await read;
            if (count == 0)
            {
                ended = true;
                break;
            }
            early.Write(chunk, 0, count);
            read = body.ReadAsync(chunk, cancellationToken).AsTask();
        }

        if (!Succeeded(await invocation, function))
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return;
        }

        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHopHeaders.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }
        early.Position = 0;
        await early.CopyToAsync(context.Response.Body, cancellationToken);
        for (var count = ended ? 0 : await read; count > 0; count = await body.ReadAsync(chunk, cancellationToken))
        {
            await context.Response.Body.WriteAsync(chunk.AsMemory(0, count), cancellationToken);
        }
    }

    /// <summary>
    /// Sends the request on to the worker, streaming its body. The worker announces its address before
    /// its Kestrel listens, so a refused connection is retried a few times.
    /// </summary>
    private async Task<HttpResponseMessage> ForwardAsync(HttpContext context, Uri workerUri, string invocationId, CancellationToken cancellationToken)
    {
        var hasBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true;
        using var content = hasBody ? new StreamContent(context.Request.Body) : null;
        for (var attempt = 1; ; attempt++)
        {
            // A fresh message per attempt (one can be sent only once), left undisposed so the shared content survives a retry.
            var request = ForwardedRequest(context, workerUri, invocationId, content);
            try
            {
                return await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused } && attempt <= ConnectRetries)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(50 * attempt, 250)), cancellationToken);
            }
        }
    }

    private static HttpRequestMessage ForwardedRequest(HttpContext context, Uri workerUri, string invocationId, HttpContent? content)
    {
        var incoming = context.Request;
        var request = new HttpRequestMessage(new HttpMethod(incoming.Method), new Uri(workerUri, incoming.Path.ToUriComponent() + incoming.QueryString.ToUriComponent()))
        {
            Content = content,
        };
        foreach (var (name, values) in incoming.Headers)
        {
            if (!HopByHopHeaders.Contains(name) && !request.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                // The content is shared by every attempt: set its headers, never add them again.
                content?.Headers.Remove(name);
                content?.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }
        request.Headers.Add("x-ms-invocation-id", invocationId);
        // The worker may refuse a body without reading it (413); asking first means it is not sent
        // into a closed connection, so its answer reaches the client instead of a reset.
        if (content is not null)
            request.Headers.ExpectContinue = true;
        // As a reverse proxy would, so the app sees who called and how.
        var forwardedFor = incoming.Headers["X-Forwarded-For"].ToString();
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "";
        request.Headers.Remove("X-Forwarded-For");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor.Length > 0 ? $"{forwardedFor}, {client}" : client);
        request.Headers.Remove("X-Forwarded-Proto");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", incoming.Scheme);
        request.Headers.Remove("X-Forwarded-Host");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", incoming.Host.Value);
        return request;
    }

    /// <summary>What the host sends alongside the forwarded request: the trigger's RpcHttp and the route values as trigger metadata.</summary>
    private static InvocationRequest InvocationFor(HttpContext context, LoadedFunction function, string functionId, string invocationId, RouteValueDictionary routeValues)
    {
        var incoming = context.Request;
        var http = new RpcHttp { Method = incoming.Method, Url = incoming.GetDisplayUrl() };
        var headers = incoming.Headers.ToDictionary(h => h.Key, h => h.Value.ToString());
        var query = incoming.Query.ToDictionary(q => q.Key, q => q.Value.ToString());
        http.Headers.Add(headers);
        http.Query.Add(query);

        var request = new InvocationRequest { InvocationId = invocationId, FunctionId = functionId };
        foreach (var (name, value) in routeValues)
        {
            var text = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            http.Params[name] = text;
            request.TriggerMetadata[name] = new TypedData { String = text };
        }
        request.TriggerMetadata["Query"] = new TypedData { Json = JsonSerializer.Serialize(query) };
        request.TriggerMetadata["Headers"] = new TypedData { Json = JsonSerializer.Serialize(headers) };
        request.InputData.Add(new ParameterBinding
        {
            Name = LoadedFunction.StringProperty(function.Trigger!.Value, "name") ?? "req",
            Data = new TypedData { Http = http },
        });
        return request;
    }

    private bool Succeeded(InvocationResponse response, LoadedFunction function)
    {
        if (response.Result?.Status == StatusResult.Types.Status.Success)
        {
            return true;
        }
        log($"[host] {function.Name} failed (invocation {response.InvocationId}): {response.Result?.Exception?.Message}");
        return false;
    }
}
