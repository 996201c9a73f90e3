namespace PeerEval.Functions.Aggregation;

/// <summary>
/// The host invokes the queue function once per message, but delivers a whole batch at once. Messages
/// that arrive together are folded together, so a batch still costs one ledger write per participant
/// and one transaction per report month, as if the function took the batch itself.
/// </summary>
public sealed class AggregationBatcher(Aggregator aggregator)
{
    /// <summary>Folds in flight at once: one can read while others write, and they finish at different times, so the host refills its batch sooner.</summary>
    private const int MaxConcurrentFolds = 3;

    /// <summary>Long enough for the rest of a delivered batch to arrive, short beside a fold's storage round trips.</summary>
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(2);

    /// <summary>Large enough to share a month's transaction among many messages, small enough to split a delivered batch across folds.</summary>
    private const int MaxBatch = 16;

    private readonly Lock _gate = new();
    private readonly List<(string Text, TaskCompletionSource<MessageResult> Done)> _pending = [];
    private int _folding;

    public Task<MessageResult> ProcessAsync(string messageText)
    {
        var done = new TaskCompletionSource<MessageResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _pending.Add((messageText, done));
            if (_folding >= MaxConcurrentFolds)
                return done.Task;
            _folding++;
        }
        _ = FoldPendingAsync();
        return done.Task;
    }

    private async Task FoldPendingAsync()
    {
        await Task.Delay(Gather);
        while (true)
        {
            List<(string Text, TaskCompletionSource<MessageResult> Done)> batch;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _folding--;
                    return;
                }
                batch = _pending.Take(MaxBatch).ToList();
                _pending.RemoveRange(0, batch.Count);
            }
            try
            {
                // Not the invocation's token: the fold serves every message in the batch.
                var results = await aggregator.ProcessAsync(batch.Select(b => b.Text).ToList(), CancellationToken.None);
                if (results.Count != batch.Count)
                    throw new InvalidOperationException($"The fold answered {results.Count} results for {batch.Count} messages.");
                for (var i = 0; i < batch.Count; i++)
                    batch[i].Done.TrySetResult(results[i]);
            }
            catch (Exception e)
            {
                // Every message gets an answer, so no invocation waits for ever; the host retries them.
                foreach (var item in batch)
                    item.Done.TrySetException(e);
            }
        }
    }
}
