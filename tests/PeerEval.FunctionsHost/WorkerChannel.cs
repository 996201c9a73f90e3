using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Duration = Google.Protobuf.WellKnownTypes.Duration;
using Grpc.Core;
using PeerEval.FunctionsHost.Rpc;

namespace PeerEval.FunctionsHost;

/// <summary>
/// One worker's EventStream, from the host's side: the init / metadata / load handshake, then
/// invocations matched to their responses by invocation id. When the stream or the process ends,
/// every pending invocation fails, as it does in the host when a worker dies.
/// </summary>
internal sealed class WorkerChannel(string workerId, string appDirectory, Action<string> log)
{
    private const string HostVersion = "4.1040.0";

    private readonly Channel<StreamingMessage> _outgoing = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<InvocationResponse>> _pending = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _closing = new();
    private IReadOnlyList<LoadedFunction> _functions = [];
    private int _functionsToLoad;

    public string WorkerId { get; } = workerId;

    /// <summary>The worker's own Kestrel address, where HTTP requests are forwarded (its HttpUri capability).</summary>
    public Uri? HttpUri { get; private set; }

    public IReadOnlyList<LoadedFunction> Functions => _functions;

    /// <summary>Completes when every function is loaded; faults if the handshake fails or the worker goes away first.</summary>
    public Task Ready => _ready.Task;

    public Task Closed => _closed.Task;

    /// <summary>
    /// Completes when the worker's host reports "Application started": every hosted service, its own
    /// Kestrel included, is up. Functions load before that, and Kestrel can still fail to bind.
    /// </summary>
    public Task Started => _started.Task;

    public bool IsClosed => _closed.Task.IsCompleted;

    public string FunctionIdOf(string functionName) =>
        _functions.First(f => string.Equals(f.Name, functionName, StringComparison.OrdinalIgnoreCase)).FunctionId;

    /// <summary>Serves the stream (whose StartStream has been read) until it ends.</summary>
    public async Task RunAsync(IAsyncStreamReader<StreamingMessage> requests, IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        // gRPC stream writers allow one write at a time; everything goes through one queue.
        var writing = WriteAllAsync(responses, cancellationToken);
        try
        {
            Send(new StreamingMessage
            {
                WorkerInitRequest = new WorkerInitRequest
                {
                    HostVersion = HostVersion,
                    WorkerDirectory = appDirectory,
                    FunctionAppDirectory = appDirectory,
                },
            });
            await foreach (var message in requests.ReadAllAsync(cancellationToken))
            {
                Handle(message);
            }
            Close("The worker closed its event stream.");
        }
        catch (Exception e)
        {
            // Whatever broke the stream (the worker dying, a message the stand-in cannot handle), the worker is unusable now.
            Close($"The worker's event stream broke: {e.Message}");
        }
        await writing;
    }

    public Task<InvocationResponse> InvokeAsync(InvocationRequest request)
    {
        // The worker dereferences the trace context of every invocation; the host always sends one.
        request.TraceContext ??= new RpcTraceContext
        {
            TraceParent = $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01",
        };
        var completion = new TaskCompletionSource<InvocationResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_closing)
        {
            if (IsClosed)
            {
                return Task.FromResult(Failed(request.InvocationId, "The worker is not running."));
            }
            _pending[request.InvocationId] = completion;
        }
        Send(new StreamingMessage { InvocationRequest = request });
        return completion.Task;
    }

    /// <summary>Asks the worker to shut down, as the host does before stopping it.</summary>
    public void Terminate(TimeSpan gracePeriod) =>
        Send(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(gracePeriod) } });

    /// <summary>Ends the channel: pending invocations fail, and the worker is no longer usable.</summary>
    public void Close(string reason)
    {
        lock (_closing)
        {
            if (!_closed.TrySetResult())
            {
                return;
            }
        }
        _outgoing.Writer.TryComplete();
        _ready.TrySetException(new InvalidOperationException($"The worker did not become ready. {reason}"));
        foreach (var (invocationId, completion) in _pending)
        {
            if (_pending.TryRemove(invocationId, out _))
            {
                completion.TrySetResult(Failed(invocationId, reason));
            }
        }
    }

    private void Send(StreamingMessage message) => _outgoing.Writer.TryWrite(message);

    private async Task WriteAllAsync(IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in _outgoing.Reader.ReadAllAsync(cancellationToken))
            {
                await responses.WriteAsync(message, cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            Close($"Writing to the worker's event stream failed: {e.Message}");
        }
    }

    private void Handle(StreamingMessage message)
    {
        switch (message.ContentCase)
        {
            case StreamingMessage.ContentOneofCase.WorkerInitResponse:
                OnInitialized(message.WorkerInitResponse);
                break;
            case StreamingMessage.ContentOneofCase.FunctionMetadataResponse:
                OnMetadata(message.FunctionMetadataResponse);
                break;
            case StreamingMessage.ContentOneofCase.FunctionLoadResponse:
                OnLoaded(message.FunctionLoadResponse);
                break;
            case StreamingMessage.ContentOneofCase.InvocationResponse:
                if (_pending.TryRemove(message.InvocationResponse.InvocationId, out var completion))
                {
                    completion.TrySetResult(message.InvocationResponse);
                }
                break;
            case StreamingMessage.ContentOneofCase.RpcLog:
                var entry = message.RpcLog;
                if (entry.Category == "Microsoft.Hosting.Lifetime" && entry.Message.StartsWith("Application started", StringComparison.Ordinal))
                    _started.TrySetResult();
                log($"[worker {entry.Level}] {entry.Category}: {entry.Message}{(entry.Exception is null ? "" : $" ({entry.Exception.Type}: {entry.Exception.Message})")}");
                break;
        }
    }

    private void OnInitialized(WorkerInitResponse response)
    {
        if (!Succeeded(response.Result, "Worker initialization"))
        {
            return;
        }
        if (response.Capabilities.TryGetValue("HttpUri", out var httpUri))
        {
            // The worker says "localhost", picking a port that is free on IPv4 only; its Kestrel then
            // binds both loopbacks and shrugs off an IPv6 clash. Another worker (one still shutting
            // down, or one of a parallel test) can hold [::1] on that port, so go by IPv4, where this one is.
            HttpUri = new UriBuilder(httpUri) { Host = "127.0.0.1" }.Uri;
        }
        Send(new StreamingMessage { FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = appDirectory } });
    }

    private void OnMetadata(FunctionMetadataResponse response)
    {
        if (!Succeeded(response.Result, "Function indexing"))
        {
            return;
        }
        // A worker that does not index its own functions asks the host to read the build's functions.metadata.
        var metadata = response.UseDefaultMetadataIndexing ? ReadFunctionsMetadataFile() : response.FunctionMetadataResults;
        var functions = new List<LoadedFunction>();
        var loads = new List<FunctionLoadRequest>();
        foreach (var function in metadata)
        {
            var functionId = string.IsNullOrEmpty(function.FunctionId) ? Guid.NewGuid().ToString() : function.FunctionId;
            var bindings = function.RawBindings.Select(raw => JsonDocument.Parse(raw).RootElement.Clone()).ToArray();
            var load = function.Clone();
            load.FunctionId = functionId;
            load.Directory = string.IsNullOrEmpty(load.Directory) ? appDirectory : load.Directory;
            foreach (var binding in bindings)
            {
                load.Bindings[LoadedFunction.StringProperty(binding, "name") ?? ""] = ToBindingInfo(binding);
            }
            functions.Add(new LoadedFunction(functionId, function.Name, function.EntryPoint, bindings));
            loads.Add(new FunctionLoadRequest { FunctionId = functionId, Metadata = load });
        }

        _functions = functions;
        _functionsToLoad = loads.Count;
        if (loads.Count == 0)
        {
            _ready.TrySetResult();
        }
        foreach (var load in loads)
        {
            Send(new StreamingMessage { FunctionLoadRequest = load });
        }
    }

    private void OnLoaded(FunctionLoadResponse response)
    {
        var name = _functions.FirstOrDefault(f => f.FunctionId == response.FunctionId)?.Name ?? response.FunctionId;
        if (Succeeded(response.Result, $"Loading function {name}") && Interlocked.Decrement(ref _functionsToLoad) == 0)
        {
            _ready.TrySetResult();
        }
    }

    private bool Succeeded(StatusResult? result, string step)
    {
        if (result is null || result.Status == StatusResult.Types.Status.Success)
        {
            return true;
        }
        var reason = $"{step} failed: {result.Exception?.Message ?? result.Result}";
        log($"[host] {reason}");
        _ready.TrySetException(new InvalidOperationException(reason));
        return false;
    }

    private IEnumerable<RpcFunctionMetadata> ReadFunctionsMetadataFile()
    {
        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(appDirectory, "functions.metadata")));
        return file.RootElement.EnumerateArray().Select(function =>
        {
            var metadata = new RpcFunctionMetadata
            {
                Name = LoadedFunction.StringProperty(function, "name") ?? "",
                ScriptFile = LoadedFunction.StringProperty(function, "scriptFile") ?? "",
                EntryPoint = LoadedFunction.StringProperty(function, "entryPoint") ?? "",
                Language = LoadedFunction.StringProperty(function, "language") ?? "",
                Directory = appDirectory,
            };
            metadata.RawBindings.AddRange(function.GetProperty("bindings").EnumerateArray().Select(b => b.GetRawText()));
            return metadata;
        }).ToArray();
    }

    private static BindingInfo ToBindingInfo(JsonElement binding) => new()
    {
        Type = LoadedFunction.StringProperty(binding, "type") ?? "",
        Direction = Enum.TryParse<BindingInfo.Types.Direction>(LoadedFunction.StringProperty(binding, "direction"), ignoreCase: true, out var direction)
            ? direction
            : BindingInfo.Types.Direction.In,
        DataType = Enum.TryParse<BindingInfo.Types.DataType>(LoadedFunction.StringProperty(binding, "dataType"), ignoreCase: true, out var dataType)
            ? dataType
            : BindingInfo.Types.DataType.Undefined,
    };

    private static InvocationResponse Failed(string invocationId, string reason) => new()
    {
        InvocationId = invocationId,
        Result = new StatusResult
        {
            Status = StatusResult.Types.Status.Failure,
            Exception = new PeerEval.FunctionsHost.Rpc.RpcException { Message = reason },
        },
    };
}
