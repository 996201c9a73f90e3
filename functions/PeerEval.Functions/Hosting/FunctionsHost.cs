namespace PeerEval.Functions.Hosting;

public static class FunctionsHost
{
    public const string PortVariable = "FUNCTIONS_CUSTOMHANDLER_PORT";

    /// <summary>True when the Azure Functions host runs this app as its custom handler.</summary>
    public static bool IsCustomHandler(IConfiguration configuration) => !string.IsNullOrEmpty(configuration[PortVariable]);

    /// <summary>Under the host, listen where it says; otherwise ASPNETCORE_URLS decides as usual.</summary>
    public static WebApplicationBuilder UseFunctionsHostPort(this WebApplicationBuilder builder)
    {
        if (builder.Configuration[PortVariable] is { Length: > 0 } port)
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        return builder;
    }
}
