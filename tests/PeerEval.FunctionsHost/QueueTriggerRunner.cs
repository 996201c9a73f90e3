using System.Collections.Concurrent;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using PeerEval.FunctionsHost.Rpc;

namespace PeerEval.FunctionsHost;

/// <summary>
/// Runs one queue-triggered function the way the host's queue listener does: batched polling with
/// exponential back-off when idle, concurrent invocations, and the host (not the worker) settling each
/// message: deleted on success, made visible again after visibilityTimeout on failure, and moved to
/// "&lt;queue&gt;-poison" once it has failed maxDequeueCount times.
/// </summary>
internal sealed class QueueTriggerRunner
{
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    // The lease while a message is being processed; a dead worker's messages come back through failure handling, not expiry.
    private static readonly TimeSpan ProcessingVisibility = TimeSpan.FromMinutes(5);

    private readonly LoadedFunction _function;
    private readonly string _bindingName;
    private readonly QueueClient _queue;
    private readonly QueueClient _poisonQueue;
    private readonly QueueSettings _settings;
    private readonly WorkerSlot _workers;
    private readonly Action<string> _log;
    private readonly ConcurrentDictionary<string, Task> _inFlight = new();
    private readonly SemaphoreSlim _settled = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private Task _polling = Task.CompletedTask;

    private QueueTriggerRunner(LoadedFunction function, QueueClient queue, QueueClient poisonQueue, QueueSettings settings, WorkerSlot workers, Action<string> log)
    {
        _function = function;
        _bindingName = LoadedFunction.StringProperty(function.Trigger!.Value, "name") ?? "message";
        _queue = queue;
        _poisonQueue = poisonQueue;
        _settings = settings;
        _workers = workers;
        _log = log;
    }

    public string QueueName => _queue.Name;

    /// <summary>Resolves the queue name and connection from the app settings and creates the queue if missing.</summary>
    public static async Task<QueueTriggerRunner> CreateAsync(LoadedFunction function, AppSettings appSettings, QueueSettings settings, WorkerSlot workers, Action<string> log, CancellationToken cancellationToken)
    {
        var trigger = function.Trigger!.Value;
        var queueName = appSettings.ResolveBindingExpression(LoadedFunction.StringProperty(trigger, "queueName")
            ?? throw new InvalidOperationException($"The queue trigger of {function.Name} has no queueName."));
        var connectionName = LoadedFunction.StringProperty(trigger, "connection") is { Length: > 0 } name ? name : "AzureWebJobsStorage";
        var connectionString = appSettings.Configuration[connectionName]
            ?? throw new InvalidOperationException($"{function.Name} uses the storage connection '{connectionName}', which is not set.");
        var service = new QueueServiceClient(connectionString, new QueueClientOptions
        {
            MessageEncoding = settings.Base64Messages ? QueueMessageEncoding.Base64 : QueueMessageEncoding.None,
        });
        var queue = service.GetQueueClient(queueName);
        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        return new QueueTriggerRunner(function, queue, service.GetQueueClient($"{queueName}-poison"), settings, workers, log);
    }

    public void Start() => _polling = PollAsync(_stopping.Token);

    public async Task StopPollingAsync()
    {
        await _stopping.CancelAsync();
        await _polling;
    }

    /// <summary>Waits for the messages being processed to be settled.</summary>
    public Task DrainAsync() => Task.WhenAll(_inFlight.Values);

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        var idleDelay = MinPollingInterval;
        try
        {
            while (true)
            {
                var worker = await _workers.WaitAsync(cancellationToken);
                if (_inFlight.Count > _settings.NewBatchThreshold)
                {
                    await _settled.WaitAsync(cancellationToken);
                    continue;
                }

                QueueMessage[] messages;
                try
                {
                    messages = (await _queue.ReceiveMessagesAsync(_settings.BatchSize, ProcessingVisibility, cancellationToken)).Value;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    // Storage unreachable or the like: keep polling, backing off as if the queue were empty.
                    _log($"[host] Polling {_queue.Name} failed: {e.Message}");
                    messages = [];
                }

                if (messages.Length == 0)
                {
                    await Task.Delay(idleDelay, cancellationToken);
                    idleDelay = TimeSpan.FromTicks(Math.Min(idleDelay.Ticks * 2, Math.Max(_settings.MaxPollingInterval.Ticks, MinPollingInterval.Ticks)));
                    continue;
                }
                idleDelay = MinPollingInterval;
                foreach (var message in messages)
                {
                    // Tracked before it starts, so its removal when done cannot come first; run on the pool so a batch is processed concurrently.
                    var processing = new Task<Task>(() => ProcessAsync(worker, message));
                    _inFlight[message.MessageId] = processing.Unwrap();
                    processing.Start(TaskScheduler.Default);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task ProcessAsync(WorkerChannel worker, QueueMessage message)
    {
        try
        {
            var response = await worker.InvokeAsync(InvocationFor(worker, message));
            if (response.Result?.Status == StatusResult.Types.Status.Success)
            {
                await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
            else if (message.DequeueCount >= _settings.MaxDequeueCount)
            {
                _log($"[host] {_function.Name} failed on message {message.MessageId} for the {message.DequeueCount}th time; moving it to {_poisonQueue.Name}: {response.Result?.Exception?.Message}");
                await _poisonQueue.CreateIfNotExistsAsync();
                await _poisonQueue.SendMessageAsync(message.Body);
                await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
            else
            {
                _log($"[host] {_function.Name} failed on message {message.MessageId} (try {message.DequeueCount}): {response.Result?.Exception?.Message}");
                await _queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: _settings.VisibilityTimeout);
            }
        }
        catch (Exception e)
        {
            // The lease ran out (someone else holds the message now) or storage is unreachable: either way
            // the message becomes visible again when its lease ends.
            _log($"[host] Settling message {message.MessageId} of {_queue.Name} failed: {e.Message}");
        }
        finally
        {
            _inFlight.TryRemove(message.MessageId, out _);
            _settled.Release();
        }
    }

    private InvocationRequest InvocationFor(WorkerChannel worker, QueueMessage message)
    {
        var text = message.Body.ToString();
        var request = new InvocationRequest { InvocationId = Guid.NewGuid().ToString(), FunctionId = worker.FunctionIdOf(_function.Name) };
        request.InputData.Add(new ParameterBinding { Name = _bindingName, Data = new TypedData { String = text } });
        request.TriggerMetadata["QueueTrigger"] = new TypedData { String = text };
        request.TriggerMetadata["Id"] = new TypedData { String = message.MessageId };
        request.TriggerMetadata["PopReceipt"] = new TypedData { String = message.PopReceipt };
        // As JSON: the worker rejects TypedData.int in trigger metadata ("Int is not supported").
        request.TriggerMetadata["DequeueCount"] = new TypedData { Json = message.DequeueCount.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        request.TriggerMetadata["InsertionTime"] = Date(message.InsertedOn);
        request.TriggerMetadata["ExpirationTime"] = Date(message.ExpiresOn);
        request.TriggerMetadata["NextVisibleTime"] = Date(message.NextVisibleOn);
        return request;
    }

    private static TypedData Date(DateTimeOffset? date) => new() { Json = JsonSerializer.Serialize(date) };
}
