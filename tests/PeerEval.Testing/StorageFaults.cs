using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace PeerEval.Testing;

/// <summary>One storage request as it crosses the wire: enough to pick which ones fail.</summary>
public sealed record StorageRequest(string Method, string Path, string Body)
{
    /// <summary>
    /// A write to the table: a point operation on it, or an entity-group transaction that names it
    /// (an update names the entity, "/table(PartitionKey=…)"; an insert posts to the table, "/table?…").
    /// </summary>
    public bool IsWriteTo(string table) =>
        Method != "GET" && (Path.EndsWith("/" + table, StringComparison.Ordinal) || Path.Contains("/" + table + "(", StringComparison.Ordinal))
        || Path.EndsWith("/$batch", StringComparison.Ordinal)
            && (Body.Contains("/" + table + "(", StringComparison.Ordinal) || Body.Contains("/" + table + "?", StringComparison.Ordinal));

    public bool IsSendTo(string queue) => Method == "POST" && Path.EndsWith("/" + queue + "/messages", StringComparison.Ordinal);
}

/// <summary>
/// A proxy between the app and Azurite that fails chosen requests on the wire, as a storage outage
/// would: before they reach storage (503), or after storage applied them (500: the write landed,
/// the caller saw an error). The app under test runs as its own process, so faults are injected
/// where it meets storage, not inside it.
/// </summary>
public sealed class StorageFaults : IAsyncDisposable
{
    private readonly WebApplication _proxy;
    private readonly HttpClient _upstream;
    private readonly int _queuePort;
    private int _injected;

    private StorageFaults(WebApplication proxy, HttpClient upstream, int queuePort, int tablePort)
    {
        _proxy = proxy;
        _upstream = upstream;
        _queuePort = queuePort;
        ConnectionString = Azurite.ConnectionStringFor(queuePort, tablePort);
    }

    /// <summary>Awaited before a request goes on: a test holds one there to make a race happen in the order it wants.</summary>
    public Func<StorageRequest, Task> Hold { get; set; } = _ => Task.CompletedTask;
    /// <summary>Awaited once storage has applied a request, before the caller hears back: the caller is held between its write and its next step.</summary>
    public Func<StorageRequest, Task> HoldAnswer { get; set; } = _ => Task.CompletedTask;
    public Func<StorageRequest, bool> FailBefore { get; set; } = _ => false;
    public Func<StorageRequest, bool> FailAfter { get; set; } = _ => false;
    public int Injected => _injected;

    /// <summary>The account as seen through the proxy.</summary>
    public string ConnectionString { get; }

    public static async Task<StorageFaults> StartAsync(Azurite azurite)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(IPAddress.Loopback, 0); // the queue endpoint
            kestrel.Listen(IPAddress.Loopback, 0); // the table endpoint
        });
        var proxy = builder.Build();
        StorageFaults? faults = null;
        var upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromMinutes(2) };
        proxy.Run(context => faults!.ForwardAsync(context, upstream, azurite));
        await proxy.StartAsync();
        var ports = proxy.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a).Port).ToArray();
        faults = new StorageFaults(proxy, upstream, queuePort: ports[0], tablePort: ports[1]);
        return faults;
    }

    private async Task ForwardAsync(HttpContext context, HttpClient upstream, Azurite azurite)
    {
        var targetPort = context.Connection.LocalPort == _queuePort ? azurite.QueuePort : azurite.TablePort;
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var request = new StorageRequest(context.Request.Method, context.Request.Path.Value ?? "", Encoding.UTF8.GetString(body.ToArray()));
        await Hold(request);
        if (FailBefore(request))
        {
            await FailAsync(context, HttpStatusCode.ServiceUnavailable, "Injected fault: storage unavailable.");
            return;
        }

        // The target exactly as sent: the caller signed it (Shared Key), and Kestrel's decoded path may re-encode differently ('@' stays bare).
        var target = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget;
        using var forward = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri($"http://127.0.0.1:{targetPort}{target}", UriKind.Absolute));
        if (body.Length > 0 || context.Request.ContentLength is not null)
            forward.Content = new ByteArrayContent(body.ToArray());
        foreach (var (name, values) in context.Request.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
                continue;
            if (!forward.Headers.TryAddWithoutValidation(name, values.ToArray()))
                forward.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
        }
        using var response = await upstream.SendAsync(forward, context.RequestAborted);
        await HoldAnswer(request);
        if (FailAfter(request))
        {
            await FailAsync(context, HttpStatusCode.InternalServerError, "Injected fault: the caller crashed after the write.");
            return;
        }
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                context.Response.Headers[name] = values.ToArray();
        // Azurite may send a body (if only an empty one) with a 204, which Kestrel refuses to write.
        if (response.StatusCode is not (HttpStatusCode.NoContent or HttpStatusCode.NotModified) && !HttpMethods.IsHead(context.Request.Method))
            await response.Content.CopyToAsync(context.Response.Body);
    }

    /// <summary>An error as the service would word it: XML from the queue service, JSON from the table service.</summary>
    private async Task FailAsync(HttpContext context, HttpStatusCode status, string message)
    {
        Interlocked.Increment(ref _injected);
        context.Response.StatusCode = (int)status;
        context.Response.Headers["x-ms-error-code"] = "InjectedFault";
        if (context.Connection.LocalPort == _queuePort)
        {
            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync($"<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>InjectedFault</Code><Message>{message}</Message></Error>");
            return;
        }
        await context.Response.WriteAsJsonAsync(new Dictionary<string, object>
        {
            ["odata.error"] = new { code = "InjectedFault", message = new { lang = "en-US", value = message } },
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _proxy.StopAsync();
        await _proxy.DisposeAsync();
        _upstream.Dispose();
    }
}
