using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;

namespace PeerEval.Client;

public sealed class PeerEvalClientOptions
{
    /// <summary>Where the app answers, for example https://peereval-xyz.azurewebsites.net/.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>A submit key (bound to your service), a report key or a network key.</summary>
    public string ApiKey { get; set; } = "";
}

public static class PeerEvalClientExtensions
{
    /// <summary>
    /// Registers <see cref="PeerEvalClient"/> as a typed HttpClient with the standard resilience
    /// pipeline. Retrying a submission is safe: its submissionId makes the API count it once.
    /// </summary>
    public static IHttpClientBuilder AddPeerEvalClient(this IServiceCollection services, Action<PeerEvalClientOptions> configure)
    {
        services.AddOptions<PeerEvalClientOptions>().Configure(configure)
            .Validate(o => o.BaseAddress is { IsAbsoluteUri: true } && o.ApiKey.Length > 0, "PeerEval client needs an absolute BaseAddress and an ApiKey.");
        var builder = services.AddHttpClient<PeerEvalClient>((provider, http) =>
        {
            var options = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<PeerEvalClientOptions>>().Value;
            http.BaseAddress = options.BaseAddress;
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
        });
        builder.AddStandardResilienceHandler();
        return builder;
    }
}
