using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using System.Net;

namespace PeerEval.FunctionsHost;

/// <summary>The stand-in's two Kestrel servers (gRPC for the worker, HTTP for clients) are built alike.</summary>
internal static class LoopbackServer
{
    public static WebApplicationBuilder CreateBuilder(int port, HttpProtocols protocols, Action<string> log)
    {
        // Slim: no appsettings.json of our own to read, and nothing else to host.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = protocols);
            kestrel.Limits.MaxRequestBodySize = null;
        });
        builder.Logging.ClearProviders().AddProvider(new CallbackLoggerProvider(log)).SetMinimumLevel(LogLevel.Warning);
        return builder;
    }

    public static Uri AddressOf(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
}

/// <summary>Routes the servers' own warnings to the stand-in's log.</summary>
internal sealed class CallbackLoggerProvider(Action<string> log) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new CallbackLogger(categoryName, log);

    public void Dispose()
    {
    }

    private sealed class CallbackLogger(string category, Action<string> log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log($"[host {logLevel}] {category}: {formatter(state, exception)}{(exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})")}");
            }
        }
    }
}
