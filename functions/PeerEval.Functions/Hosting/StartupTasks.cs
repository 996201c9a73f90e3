namespace PeerEval.Functions.Hosting;

/// <summary>Work that must be done before the first invocation: tables created, first keys seeded.</summary>
public interface IStartupTask
{
    Task RunAsync(CancellationToken cancellationToken);
}

public static class StartupTaskExtensions
{
    /// <summary>
    /// Adds a task to run, in the order added, before the worker connects to the host. The host sends
    /// requests as soon as the worker reports its functions, so this work cannot wait for the hosted
    /// services that start after the worker's own.
    /// </summary>
    public static IServiceCollection AddStartupTask<T>(this IServiceCollection services) where T : class, IStartupTask
    {
        if (!services.Any(d => d.ImplementationType == typeof(StartupTasks)))
            services.Insert(0, ServiceDescriptor.Singleton<IHostedService, StartupTasks>());
        services.AddSingleton<IStartupTask, T>();
        return services;
    }
}

internal sealed class StartupTasks(IEnumerable<IStartupTask> tasks) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var task in tasks)
            await task.RunAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
