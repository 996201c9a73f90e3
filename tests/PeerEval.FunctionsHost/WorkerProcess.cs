using System.Diagnostics;
using System.Text.Json;

namespace PeerEval.FunctionsHost;

/// <summary>
/// The worker's OS process, started the way the host starts it: the command line from the app's
/// worker.config.json plus the host's connection arguments, in the app folder, with the app settings
/// as environment variables.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;

    private WorkerProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public Task Exited { get; private init; } = Task.CompletedTask;

    public static WorkerProcess Start(StandInOptions options, Uri grpcUri, string workerId, Action<string> log)
    {
        var appDirectory = Path.GetFullPath(options.AppDirectory);
        var (executable, workerPath) = ReadWorkerConfig(appDirectory);
        var requestId = Guid.NewGuid().ToString();
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = appDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            workerPath,
            "--host", grpcUri.Host, "--port", grpcUri.Port.ToString(),
            "--workerId", workerId, "--requestId", requestId, "--grpcMaxMessageLength", int.MaxValue.ToString(),
            "--functions-uri", grpcUri.ToString(), "--functions-worker-id", workerId,
            "--functions-request-id", requestId, "--functions-grpc-max-message-length", int.MaxValue.ToString(),
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in options.Settings)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }
        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        // The stand-in waits for the lifetime's "Application started" message, whatever level the app logs at.
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        // The worker's routing and function loading resolve paths against these; without them they throw.
        start.Environment["FUNCTIONS_WORKER_DIRECTORY"] = appDirectory;
        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = appDirectory;
        start.Environment["AZURE_FUNCTIONS_ENVIRONMENT"] = options.EnvironmentName;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = options.EnvironmentName;
        start.Environment["DOTNET_ENVIRONMENT"] = options.EnvironmentName;

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.Exited += (_, _) => exited.TrySetResult();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log($"[worker] {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log($"[worker] {e.Data}"); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new WorkerProcess(process) { Exited = exited.Task };
    }

    /// <summary>SIGKILL, the way a crash looks to the host.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    public void Dispose() => _process.Dispose();

    private static (string Executable, string WorkerPath) ReadWorkerConfig(string appDirectory)
    {
        var path = Path.Combine(appDirectory, "worker.config.json");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"No worker.config.json in {appDirectory}: is it the output folder of a Functions isolated-worker app?");
        }
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var description = config.RootElement.GetProperty("description");
        var executable = description.GetProperty("defaultExecutablePath").GetString()!;
        var workerPath = description.GetProperty("defaultWorkerPath").GetString()!;
        // Under `dotnet test` the muxer may not be on PATH; the SDK says where it is.
        if (executable == "dotnet" && Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnetHost)
        {
            executable = dotnetHost;
        }
        return (executable, Path.Combine(appDirectory, workerPath));
    }
}
