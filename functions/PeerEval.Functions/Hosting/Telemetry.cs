using Microsoft.Azure.Functions.Worker;

namespace PeerEval.Functions.Hosting;

public static class Telemetry
{
    /// <summary>Application Insights through the worker, where a connection string is configured (it is in Azure).</summary>
    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        if (!string.IsNullOrEmpty(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
            builder.Services.AddApplicationInsightsTelemetryWorkerService().ConfigureFunctionsApplicationInsights();
        return builder;
    }
}
