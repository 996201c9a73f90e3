using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PeerEval.Testing;

/// <summary>
/// One in-memory Azurite for the whole test run, from the repo's pinned npm package, on free ports.
/// Tests share the process but never data: each test gets its own table and queue prefix.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    private static readonly Lazy<Task<Azurite>> Shared = new(StartAsync);
    private readonly Process _process;

    private Azurite(Process process, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        (QueuePort, TablePort) = (queuePort, tablePort);
        ConnectionString = ConnectionStringFor(queuePort, tablePort);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => Stop();
    }

    public string ConnectionString { get; }
    public int QueuePort { get; }
    public int TablePort { get; }

    /// <summary>A connection string for this account whose queue and table endpoints are the given ports (a proxy in front of these).</summary>
    public static string ConnectionStringFor(int queuePort, int tablePort) =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        $"QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;";

    public static Task<Azurite> InstanceAsync() => Shared.Value;

    /// <summary>A fresh instance of its own (benchmarks give each phase one, so no phase inherits another's data).</summary>
    public static Task<Azurite> StartNewAsync() => StartAsync();

    private static async Task<Azurite> StartAsync()
    {
        var executable = Path.Combine(Repo.Root, "node_modules", ".bin", "azurite");
        if (!File.Exists(executable))
            throw new InvalidOperationException($"Azurite is not installed at {executable}: run `npm ci` (or `npm test`, which does it).");
        var (blob, queue, table) = (Ports.Free(), Ports.Free(), Ports.Free());
        var start = new ProcessStartInfo(executable)
        {
            ArgumentList =
            {
                "--inMemoryPersistence", "--silent", "--skipApiVersionCheck", "--disableProductStyleUrl",
                "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(),
                "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(),
                "--tableHost", "127.0.0.1", "--tablePort", table.ToString(),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await IsListeningAsync(table) || !await IsListeningAsync(queue))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"Azurite did not start (exit code {(process.HasExited ? process.ExitCode : "none")}).");
            await Task.Delay(100);
        }
        return new Azurite(process, blob, queue, table);
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    /// <summary>Kills only the process this run started: SIGTERM, then SIGKILL, since a stuck Azurite ignores SIGTERM.</summary>
    private void Stop()
    {
        try
        {
            if (_process.HasExited)
                return;
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
    }


    private static async Task<bool> IsListeningAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

public static class Repo
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PeerEval.sln")))
                return dir.FullName;
        throw new InvalidOperationException("PeerEval.sln not found above " + AppContext.BaseDirectory);
    }

    public static string FunctionsProject => Path.Combine(Root, "functions", "PeerEval.Functions");

    /// <summary>The worker as built for this test run (same configuration as the tests), as the host would run it.</summary>
    public static string FunctionsApp { get; } = Path.Combine(FunctionsProject, "bin",
        Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)))!, "net10.0");
}
