using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Options;
using PeerEval.Functions.Dashboard;
using PeerEval.Functions.Forms;
using PeerEval.Functions.Hosting;

namespace PeerEval.Functions.Auth;

/// <summary>The claims a bearer credential becomes: which key, its role, the services it covers, and whether it is a form's token.</summary>
public static class KeyClaims
{
    public const string KeyId = "peereval:key";
    public const string Service = "peereval:service";
    public const string FormToken = "peereval:form";
    public const string Invitation = "peereval:invitation";

    public static ClaimsPrincipal ToPrincipal(this ApiKey key, string scheme)
    {
        var claims = new List<Claim> { new(KeyId, key.KeyId), new(ClaimTypes.Role, key.Role.ToString()) };
        claims.AddRange(key.Services.Select(s => new Claim(Service, s)));
        if (key.IsFormToken)
            claims.Add(new Claim(FormToken, "true"));
        if (key.Invitation is { } invitation)
            claims.Add(new Claim(Invitation, invitation));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, KeyId, ClaimTypes.Role));
    }

    /// <summary>The key behind an authenticated caller; null for an anonymous one.</summary>
    public static ApiKey? ApiKey(this ClaimsPrincipal user) =>
        user.FindFirstValue(KeyId) is { } keyId && Enum.TryParse<KeyRole>(user.FindFirstValue(ClaimTypes.Role), out var role)
            ? new ApiKey(keyId, role, user.FindAll(Service).Select(c => c.Value).ToList(), Revoked: false) { IsFormToken = user.HasClaim(FormToken, "true"), Invitation = user.FindFirstValue(Invitation) }
            : null;
}

/// <summary>
/// Turns `Authorization: Bearer …` into a caller: an API key (looked up by its hash) or a form token
/// (checked by its signature). Without the header, a dashboard session cookie stands for its report
/// key. No credential is no caller; a bad header is a failed authentication.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore keys, FormTokens tokens,
    DashboardSessions sessions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    private const int MaxKeyLength = 300;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization;
        if (header.Count == 0)
            // An expired or forged session is no caller, so the dashboard offers to sign in again.
            return Request.Cookies[DashboardSessions.CookieName] is { } session && await sessions.ValidateAsync(session, Context.RequestAborted) is { } sessionKey
                ? Success(sessionKey)
                : AuthenticateResult.NoResult();
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.Fail("Expected one 'Authorization: Bearer <key>' header.");
        var raw = value["Bearer ".Length..].Trim();
        if (raw.Length is 0 or > MaxKeyLength)
            return AuthenticateResult.Fail("Malformed key.");
        var key = raw.StartsWith(FormTokens.Prefix, StringComparison.Ordinal)
            ? tokens.Validate(raw)
            : await keys.FindAsync(raw, Context.RequestAborted) is { Revoked: false } stored ? stored : null;
        return key is null ? AuthenticateResult.Fail("Unknown, revoked or expired key.") : Success(key);
    }

    private static AuthenticateResult Success(ApiKey key) => AuthenticateResult.Success(new AuthenticationTicket(key.ToPrincipal(SchemeName), SchemeName));
}

public static class KeyAuthentication
{
    public static FunctionsApplicationBuilder AddApiKeys(this FunctionsApplicationBuilder builder)
    {
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<ApiKeyOptions>().BindConfiguration("PeerEval:Auth").ValidateDataAnnotations()
            .Validate<IHostEnvironment>((options, environment) => environment.IsDevelopment() || options.DevKeys.Count == 0,
                "PeerEval:Auth:DevKeys are for Development only; issue real keys (POST /api/manage/keys) instead.")
            .ValidateOnStart();
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddOptions<FormSigningOptions>().BindConfiguration("PeerEval").ValidateDataAnnotations()
            .Validate<IHostEnvironment>((options, environment) => environment.IsDevelopment() || options.FormSigningKey != FormSigningOptions.PublishedDevelopmentKey,
                "PeerEval:FormSigningKey is the development key published in this repository; set a secret of your own.")
            .ValidateOnStart();
        builder.Services.AddSingleton<FormTokens>();
        builder.Services.AddSingleton<DashboardSessions>();
        builder.Services.AddSingleton<Services.ServiceDirectory>();
        builder.Services.AddStartupTask<BootstrapAdminKey>();
        if (builder.Environment.IsDevelopment())
            builder.Services.AddStartupTask<DevKeySeeder>();
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.UseMiddleware<KeyAuthenticationMiddleware>();
        return builder;
    }
}

/// <summary>Authenticates every HTTP invocation up front, so the rate limiter can count by caller before anything is authorized.</summary>
internal sealed class KeyAuthenticationMiddleware : HttpMiddleware
{
    protected override async Task InvokeAsync(FunctionContext context, HttpContext http, FunctionExecutionDelegate next)
    {
        if (await http.AuthenticateAsync(ApiKeyAuthenticationHandler.SchemeName) is { Succeeded: true } result)
            http.User = result.Principal;
        await next(context);
    }
}
