using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Options;
using PeerEval.Functions.Auth;

namespace PeerEval.Functions.Hosting;

public sealed class RateLimitOptions
{
    /// <summary>Requests a minute for one API key, or one client address without a valid key; 0 turns limiting off.</summary>
    [Range(0, 1_000_000)]
    public int PermitsPerMinute { get; set; } = 600;
}

/// <summary>
/// A fixed window per caller, counted after authentication: a valid key is its own caller; anything
/// else (no key, a wrong key, a form token) counts against the client's address, so no header a
/// client picks can give it a fresh allowance.
/// </summary>
public static class RateLimits
{
    public static FunctionsApplicationBuilder AddRateLimits(this FunctionsApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration("PeerEval:RateLimit").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp =>
        {
            var permits = sp.GetRequiredService<IOptions<RateLimitOptions>>().Value.PermitsPerMinute;
            return PartitionedRateLimiter.Create<HttpContext, string>(context => permits == 0
                ? RateLimitPartition.GetNoLimiter("off")
                : RateLimitPartition.GetFixedWindowLimiter(CallerOf(context), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = permits,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                }));
        });
        builder.UseMiddleware<RateLimitMiddleware>();
        return builder;
    }

    /// <summary>
    /// Addresses share this many buckets at most, so however many addresses call, the limiter's state
    /// stays bounded (a few MB); two addresses sharing a bucket only share an allowance. Keys are
    /// bounded already: only issued keys authenticate.
    /// </summary>
    private const int AddressBuckets = 16_384;

    private static string CallerOf(HttpContext context) =>
        context.User.ApiKey() is { IsFormToken: false } key
            ? "key:" + key.KeyId
            : "address:" + (uint)(ClientAddress(context)?.GetHashCode() ?? 0) % AddressBuckets;

    /// <summary>
    /// The client's address as the Functions host saw it: the host appends it to X-Forwarded-For and
    /// the worker's ASP.NET Core integration takes exactly that one entry (the last) as the remote
    /// address. Entries a client wrote itself stay behind in the header and are never read.
    /// </summary>
    public static IPAddress? ClientAddress(HttpContext context) => context.Connection.RemoteIpAddress;
}

internal sealed class RateLimitMiddleware(PartitionedRateLimiter<HttpContext> limiter) : HttpMiddleware
{
    protected override async Task InvokeAsync(FunctionContext context, HttpContext http, FunctionExecutionDelegate next)
    {
        using var lease = limiter.AttemptAcquire(http);
        if (!lease.IsAcquired)
        {
            var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(60);
            http.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            Answer(context, TypedResults.Problem(statusCode: 429, title: "Too many requests from this caller.",
                detail: "Wait for the number of seconds in Retry-After, then send again."));
            return;
        }
        await next(context);
    }
}
