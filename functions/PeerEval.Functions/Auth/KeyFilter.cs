using Microsoft.Extensions.Primitives;

namespace PeerEval.Functions.Auth;

public static class KeyFilter
{
    public static WebApplicationBuilder AddApiKeys(this WebApplicationBuilder builder)
    {
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<ApiKeyOptions>().BindConfiguration("PeerEval:Auth").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddSingleton<Forms.FormTokens>();
        builder.Services.AddSingleton<Services.ServiceDirectory>();
        builder.Services.AddHostedService<BootstrapAdminKey>();
        if (builder.Environment.IsDevelopment())
            builder.Services.AddHostedService<DevKeySeeder>();
        return builder;
    }

    /// <summary>
    /// Admits a request whose bearer key has one of the roles and, where the route names a service,
    /// covers that service. Missing or unknown key: 401. Known key, wrong role or service: 403.
    /// </summary>
    public static TBuilder RequireKey<TBuilder>(this TBuilder builder, params KeyRole[] roles) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(
                new ProducesResponseTypeMetadata(StatusCodes.Status401Unauthorized, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]),
                new ProducesResponseTypeMetadata(StatusCodes.Status403Forbidden, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]))
            .AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var key = await AuthenticateAsync(http);
            if (key is null)
            {
                http.Response.Headers.WWWAuthenticate = "Bearer";
                return TypedResults.Problem(statusCode: 401, title: "A valid API key is required.",
                    detail: "Send it as 'Authorization: Bearer <key>'.");
            }
            var serviceId = http.Request.RouteValues["serviceId"] as string;
            if (!roles.Contains(key.Role) || (serviceId is not null && !key.Covers(serviceId)))
                return TypedResults.Problem(statusCode: 403, title: "This key may not do that.");
            // A form token only works from a browser, where the origin policy has vetted the page it came from.
            if (key.IsFormToken && !http.Request.Headers.ContainsKey("Origin"))
                return TypedResults.Problem(statusCode: 403, title: "A form token is only accepted from the form.");
            http.Items[typeof(ApiKey)] = key;
            return await next(context);
        });

    private static async Task<ApiKey?> AuthenticateAsync(HttpContext http)
    {
        StringValues header = http.Request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return null;
        var raw = value["Bearer ".Length..].Trim();
        if (raw.Length is 0 or > 200)
            return null;
        if (raw.StartsWith(Forms.FormTokens.Prefix, StringComparison.Ordinal))
            return http.RequestServices.GetRequiredService<Forms.FormTokens>().Validate(raw);
        var key = await http.RequestServices.GetRequiredService<ApiKeyStore>().FindAsync(raw, http.RequestAborted);
        return key is { Revoked: false } ? key : null;
    }
}
