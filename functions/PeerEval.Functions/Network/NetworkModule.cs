namespace PeerEval.Functions.Network;

public static class NetworkModule
{
    /// <summary>The network view: the pooled months of sharing services, the queue that keeps them, and the peer-role registry.</summary>
    public static IHostApplicationBuilder AddNetwork(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<NetworkPool>();
        builder.Services.AddSingleton<NetworkFeed>();
        return builder;
    }
}
