// `npm start`: runs the app under the stand-in host, the way `func start` would.
// dotnet PeerEval.FunctionsHost.dll --app <folder> [--port 7071] [--environment Development] [--settings <local.settings.json>]
using System.Collections;
using System.Runtime.InteropServices;
using System.Text.Json;
using PeerEval.FunctionsHost;

var arguments = ParseArguments(args);
if (!arguments.TryGetValue("app", out var appDirectory))
{
    Console.Error.WriteLine("Usage: PeerEval.FunctionsHost --app <folder> [--port 7071] [--environment Development] [--settings <local.settings.json>]");
    return 2;
}

// Like Core Tools: the process environment, then local.settings.json's Values on top.
var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
{
    settings[(string)variable.Key] = (string?)variable.Value;
}
if (arguments.TryGetValue("settings", out var settingsFile))
{
    using var file = JsonDocument.Parse(File.ReadAllText(settingsFile));
    if (file.RootElement.TryGetProperty("Values", out var values))
    {
        foreach (var value in values.EnumerateObject())
        {
            settings[value.Name] = value.Value.ValueKind == JsonValueKind.String ? value.Value.GetString() : value.Value.GetRawText();
        }
    }
}

using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopping.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stopping.Cancel();
});

FunctionsHostStandIn host;
try
{
    host = await FunctionsHostStandIn.StartAsync(new StandInOptions
    {
        AppDirectory = appDirectory,
        Settings = settings,
        Port = arguments.TryGetValue("port", out var port) ? int.Parse(port) : 7071,
        EnvironmentName = arguments.GetValueOrDefault("environment", "Production"),
        Log = Console.WriteLine,
    }, stopping.Token);
}
catch (Exception e) when (e is InvalidOperationException or IOException or TimeoutException or OperationCanceledException)
{
    Console.Error.WriteLine($"The Functions host stand-in could not start: {e.Message}");
    return 1;
}
await using var running = host;

Console.WriteLine($"PeerEval on {host.BaseAddress.ToString().TrimEnd('/')} under the Functions host stand-in (worker ready in {host.WorkerStartToReady.TotalMilliseconds:F0} ms; {host.Functions.Count} functions)");
try
{
    await Task.Delay(Timeout.Infinite, stopping.Token);
}
catch (OperationCanceledException)
{
    Console.WriteLine("Stopping");
}
return 0;

static Dictionary<string, string> ParseArguments(string[] args)
{
    var parsed = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    for (var i = 0; i + 1 < args.Length; i += 2)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Unexpected argument '{args[i]}'.");
        }
        parsed[args[i][2..]] = args[i + 1];
    }
    return parsed;
}
