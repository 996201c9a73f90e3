using System.Diagnostics;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace PeerEval.FunctionsHost;

/// <summary>
/// A stand-in for the Azure Functions host (for tests and local runs, where Core Tools is not available):
/// starts an isolated worker, speaks the host's gRPC protocol to it, serves its HTTP functions and
/// runs its queue triggers.
/// </summary>
public sealed class FunctionsHostStandIn : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(3);
    private const int StartAttempts = 3;

    private readonly StandInOptions _options;
    private readonly Action<string> _log;
    private readonly AppSettings _appSettings;
    private readonly HostSettings _hostSettings;
    private readonly WorkerSlot _workers = new();
    private readonly List<QueueTriggerRunner> _runners = [];
    private GrpcServer? _grpc;
    private WebApplication? _front;
    private HttpForwarder? _forwarder;
    private WorkerProcess? _process;
    private WorkerChannel? _channel;
    private bool _disposed;

    private FunctionsHostStandIn(StandInOptions options)
    {
        _options = options;
        _log = options.Log ?? (_ => { });
        _appSettings = new AppSettings(options.Settings);
        _hostSettings = HostSettings.Load(options.AppDirectory, _appSettings);
    }

    public Uri BaseAddress { get; private set; } = null!;

    public IReadOnlyList<LoadedFunction> Functions { get; private set; } = [];

    /// <summary>From starting the worker process to every function loaded (the latest worker's).</summary>
    public TimeSpan WorkerStartToReady { get; private set; }

    public int WorkerProcessId => _process?.Id ?? 0;

    /// <summary>Returns once the worker has loaded every function and client HTTP is served.</summary>
    public static async Task<FunctionsHostStandIn> StartAsync(StandInOptions options, CancellationToken cancellationToken = default)
    {
        var host = new FunctionsHostStandIn(options);
        try
        {
            await host.StartAsync(cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILLs the worker, as a crash would; its in-flight invocations fail.</summary>
    public void KillWorker() => _process?.Kill();

    public async Task RestartWorkerAsync(CancellationToken cancellationToken = default)
    {
        await StopWorkerAsync();
        await StartWorkerAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var runner in _runners)
        {
            await runner.StopPollingAsync();
        }
        // Give messages being processed a moment to finish; whatever is left fails with the worker and is released.
        await Task.WhenAll(_runners.Select(r => r.DrainAsync())).WaitAsync(ShutdownGrace).ContinueWith(_ => { }, TaskScheduler.Default);
        await StopWorkerAsync();
        await Task.WhenAll(_runners.Select(r => r.DrainAsync()));
        if (_front is not null)
        {
            await _front.StopAsync();
            await _front.DisposeAsync();
        }
        _forwarder?.Dispose();
        if (_grpc is not null)
        {
            await _grpc.DisposeAsync();
        }
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        _grpc = await GrpcServer.StartAsync(_log, cancellationToken);
        await StartWorkerAsync(cancellationToken);
        Functions = _channel!.Functions;

        // Queue triggers are set up before HTTP is served so that a bad queue setting fails the start.
        if (_options.RunQueueTriggers)
        {
            foreach (var function in Functions.Where(f => string.Equals(f.TriggerType, "queueTrigger", StringComparison.OrdinalIgnoreCase)))
            {
                _runners.Add(await QueueTriggerRunner.CreateAsync(function, _appSettings, _hostSettings.Queues, _workers, _log, cancellationToken));
            }
        }

        _forwarder = new HttpForwarder(new RouteTable(_hostSettings.RoutePrefix, Functions), _workers, _log);
        var builder = LoopbackServer.CreateBuilder(_options.Port, HttpProtocols.Http1, _log);
        _front = builder.Build();
        _front.Run(_forwarder.HandleAsync);
        await _front.StartAsync(cancellationToken);
        BaseAddress = LoopbackServer.AddressOf(_front);

        foreach (var runner in _runners)
        {
            _log($"[host] Polling queue {runner.QueueName}");
            runner.Start();
        }
    }

    /// <summary>
    /// Starts a worker, and another if one dies while starting, as the host restarts a failed worker:
    /// the worker picks its own HTTP port, which another process can take before it binds.
    /// </summary>
    private async Task StartWorkerAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartWorkerOnceAsync(cancellationToken);
                return;
            }
            catch (WorkerExitedException) when (attempt < StartAttempts)
            {
                _log("[host] The worker exited while starting; starting another.");
            }
        }
    }

    private async Task StartWorkerOnceAsync(CancellationToken cancellationToken)
    {
        var channel = new WorkerChannel(Guid.NewGuid().ToString(), Path.GetFullPath(_options.AppDirectory), _log);
        _grpc!.Register(channel);
        var clock = Stopwatch.StartNew();
        var process = WorkerProcess.Start(_options, _grpc.Uri, channel.WorkerId, _log);
        _ = process.Exited.ContinueWith(_ => channel.Close("The worker process exited."), TaskScheduler.Default);
        _ = channel.Closed.ContinueWith(_ =>
        {
            _workers.Disconnect(channel);
            _grpc.Unregister(channel);
        }, TaskScheduler.Default);
        _process = process;
        _channel = channel;
        try
        {
            await channel.Ready.WaitAsync(ReadyTimeout, cancellationToken);
            // Serve nothing until its host has started: a worker whose Kestrel cannot bind dies here.
            await Task.WhenAny(channel.Started, process.Exited).WaitAsync(ReadyTimeout, cancellationToken);
            if (process.Exited.IsCompleted)
                throw new WorkerExitedException();
        }
        catch (Exception e)
        {
            var exited = process.Exited.IsCompleted;
            await StopWorkerAsync();
            if (exited && e is not WorkerExitedException)
                throw new WorkerExitedException();
            throw;
        }
        WorkerStartToReady = clock.Elapsed;
        _log($"[host] Worker {process.Id} ready in {WorkerStartToReady.TotalMilliseconds:F0} ms with {channel.Functions.Count} functions");
        _workers.Connect(channel);
    }

    /// <summary>Asks the worker to shut down, kills it if it has not within the grace period, and waits for it to be gone.</summary>
    private async Task StopWorkerAsync()
    {
        if (_process is not { } process || _channel is not { } channel)
        {
            return;
        }
        if (!process.Exited.IsCompleted)
        {
            channel.Terminate(ShutdownGrace);
            if (await Task.WhenAny(process.Exited, Task.Delay(ShutdownGrace)) != process.Exited)
            {
                process.Kill();
            }
            await process.Exited;
        }
        channel.Close("The worker was stopped.");
        process.Dispose();
        _process = null;
        _channel = null;
    }
}

/// <summary>The worker process ended before it was ready to serve.</summary>
internal sealed class WorkerExitedException() : Exception("The worker process exited while starting.");
