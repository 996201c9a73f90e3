using Microsoft.AspNetCore.Authorization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.Middleware;
using PeerEval.Functions.Hosting;

namespace PeerEval.Functions.Auth;

/// <summary>The policies a function names with [Authorize(Policy = …)]: a role, and the service in its route.</summary>
public static class KeyPolicies
{
    public const string Submit = "submit";
    /// <summary>A service's own submit key: a form token may not act for the service's back end.</summary>
    public const string SubmitKey = "submit-key";
    public const string SubmitOrAdmin = "submit-or-admin";
    public const string Report = "report";
    public const string Admin = "admin";
    /// <summary>The network view: pooled figures only, so no service's own route admits this role.</summary>
    public const string Network = "network";

    public static FunctionsApplicationBuilder AddKeyAuthorization(this FunctionsApplicationBuilder builder)
    {
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Submit, p => p.RequireRole(nameof(KeyRole.Submit)).AddRequirements(ServiceScope.Requirement))
            .AddPolicy(SubmitKey, p => p.RequireRole(nameof(KeyRole.Submit)).AddRequirements(ServiceScope.Requirement)
                .RequireAssertion(c => c.User.ApiKey() is not { IsFormToken: true }))
            // A form token may send answers, never read back what became of anyone's.
            .AddPolicy(SubmitOrAdmin, p => p.RequireRole(nameof(KeyRole.Submit), nameof(KeyRole.Admin)).AddRequirements(ServiceScope.Requirement)
                .RequireAssertion(c => c.User.ApiKey() is not { IsFormToken: true }))
            .AddPolicy(Report, p => p.RequireRole(nameof(KeyRole.Report)).AddRequirements(ServiceScope.Requirement))
            .AddPolicy(Admin, p => p.RequireRole(nameof(KeyRole.Admin)))
            .AddPolicy(Network, p => p.RequireRole(nameof(KeyRole.Network)));
        builder.Services.AddSingleton<IAuthorizationHandler, ServiceScopeHandler>();
        builder.UseMiddleware<KeyAuthorizationMiddleware>();
        return builder;
    }
}

/// <summary>What a policy is checked against: the service the route names, and whether a browser sent the request.</summary>
public sealed record ServiceScope(string? ServiceId, bool FromBrowser)
{
    public static readonly IAuthorizationRequirement Requirement = new ServiceScopeRequirement();

    private sealed class ServiceScopeRequirement : IAuthorizationRequirement;

    public bool Admits(ApiKey key) =>
        (ServiceId is null || key.Covers(ServiceId))
        // A form token only works from a browser, where the origin policy has vetted the page it came from.
        && (!key.IsFormToken || FromBrowser);
}

internal sealed class ServiceScopeHandler : IAuthorizationHandler
{
    public Task HandleAsync(AuthorizationHandlerContext context)
    {
        foreach (var requirement in context.PendingRequirements.Where(r => r == ServiceScope.Requirement).ToList())
            if (context.Resource is ServiceScope scope && context.User.ApiKey() is { } key && scope.Admits(key))
                context.Succeed(requirement);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Applies the policy a function's [Authorize] names to every invocation of it: 401 without a valid key,
/// 403 with a key of the wrong role or service. Functions without [Authorize] are public.
/// </summary>
internal sealed class KeyAuthorizationMiddleware(IAuthorizationService authorization) : HttpMiddleware
{
    protected override async Task InvokeAsync(FunctionContext context, HttpContext http, FunctionExecutionDelegate next)
    {
        // Fail closed: a function whose method cannot be found is never treated as public.
        var method = FunctionCatalog.MethodOf(context.FunctionDefinition.EntryPoint)
            ?? throw new InvalidOperationException($"No method for the entry point '{context.FunctionDefinition.EntryPoint}'.");
        if (FunctionCatalog.PolicyOf(method) is not { } policy)
        {
            await next(context);
            return;
        }
        if (http.User.ApiKey() is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            Answer(context, TypedResults.Problem(statusCode: 401, title: "A valid API key is required.",
                detail: "Send it as 'Authorization: Bearer <key>'."));
            return;
        }
        var scope = new ServiceScope(context.BindingValue("serviceId"), http.Request.Headers.ContainsKey("Origin"));
        if (!(await authorization.AuthorizeAsync(http.User, scope, policy)).Succeeded)
        {
            Answer(context, TypedResults.Problem(statusCode: 403, title: "This key may not do that.",
                detail: "Each key has one role (submit, report, network or admin) and is bound to its services; ask an admin for a key that covers this."));
            return;
        }
        await next(context);
    }
}
