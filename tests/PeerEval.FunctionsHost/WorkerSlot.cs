namespace PeerEval.FunctionsHost;

/// <summary>
/// The worker currently serving, if any. HTTP answers 503 and queue polling waits while there is
/// none (before the first worker is ready, after a crash, during a restart).
/// </summary>
internal sealed class WorkerSlot
{
    private readonly Lock _lock = new();
    private TaskCompletionSource<WorkerChannel> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WorkerChannel? _current;

    public WorkerChannel? Current
    {
        get
        {
            lock (_lock)
            {
                return _current is { IsClosed: false } current ? current : null;
            }
        }
    }

    public void Connect(WorkerChannel channel)
    {
        lock (_lock)
        {
            _current = channel;
            // A slot still holding a dead predecessor (its Disconnect not yet run) must not keep it.
            if (!_next.TrySetResult(channel))
            {
                _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
                _next.SetResult(channel);
            }
        }
    }

    public void Disconnect(WorkerChannel channel)
    {
        lock (_lock)
        {
            if (_current == channel)
            {
                _current = null;
                _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    public async Task<WorkerChannel> WaitAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task<WorkerChannel> next;
            lock (_lock)
            {
                next = _next.Task;
            }
            var channel = await next.WaitAsync(cancellationToken);
            if (!channel.IsClosed)
            {
                return channel;
            }
            // It died after connecting and before being disconnected; wait for its successor.
            Disconnect(channel);
        }
    }
}
