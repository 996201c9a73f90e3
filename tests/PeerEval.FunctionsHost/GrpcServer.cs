using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using PeerEval.FunctionsHost.Rpc;

namespace PeerEval.FunctionsHost;

/// <summary>
/// The host's gRPC endpoint. Workers dial in and identify themselves with StartStream; each is
/// handed to the <see cref="WorkerChannel"/> registered for its worker id before it was started.
/// </summary>
internal sealed class GrpcServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, WorkerChannel> _channels;

    private GrpcServer(WebApplication app, ConcurrentDictionary<string, WorkerChannel> channels)
    {
        _app = app;
        _channels = channels;
        Uri = LoopbackServer.AddressOf(app);
    }

    public Uri Uri { get; }

    public static async Task<GrpcServer> StartAsync(Action<string> log, CancellationToken cancellationToken)
    {
        var builder = LoopbackServer.CreateBuilder(0, HttpProtocols.Http2, log);
        builder.Services.AddGrpc(grpc =>
        {
            // The host lets messages be as large as the worker is told they may be (int.MaxValue).
            grpc.MaxReceiveMessageSize = null;
            grpc.MaxSendMessageSize = null;
        });
        var channels = new ConcurrentDictionary<string, WorkerChannel>();
        builder.Services.AddSingleton(channels);
        var app = builder.Build();
        app.MapGrpcService<FunctionRpcService>();
        await app.StartAsync(cancellationToken);
        return new GrpcServer(app, channels);
    }

    public void Register(WorkerChannel channel) => _channels[channel.WorkerId] = channel;

    public void Unregister(WorkerChannel channel) => _channels.TryRemove(channel.WorkerId, out _);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class FunctionRpcService(ConcurrentDictionary<string, WorkerChannel> channels) : FunctionRpc.FunctionRpcBase
    {
        public override async Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
        {
            if (!await requestStream.MoveNext(context.CancellationToken))
            {
                return;
            }
            var first = requestStream.Current;
            if (first.ContentCase != StreamingMessage.ContentOneofCase.StartStream || !channels.TryGetValue(first.StartStream.WorkerId, out var channel))
            {
                throw new Grpc.Core.RpcException(new Status(StatusCode.InvalidArgument, "Expected StartStream with the worker id this host started the worker with."));
            }
            await channel.RunAsync(requestStream, responseStream, context.CancellationToken);
        }
    }
}
