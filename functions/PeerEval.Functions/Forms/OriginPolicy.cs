using System.Text.RegularExpressions;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.Middleware;
using PeerEval.Functions.Hosting;
using PeerEval.Functions.Services;

namespace PeerEval.Functions.Forms;

/// <summary>
/// Browsers may submit for a service only from that service's listed origins (CORS), or from the
/// form page PeerEval itself serves. Any other page is refused before the function runs, and
/// preflights are answered here.
/// </summary>
public static partial class OriginPolicy
{
    [GeneratedRegex("^/api/(?:services/(?<service>[^/]+)/submissions|forms/(?<service>[^/]+))/?$", RegexOptions.IgnoreCase)]
    internal static partial Regex SubmittingRoute();

    public static FunctionsApplicationBuilder AddOriginPolicy(this FunctionsApplicationBuilder builder)
    {
        builder.UseMiddleware<OriginPolicyMiddleware>();
        return builder;
    }

    /// <summary>The form page's own requests: same host and port (the scheme may differ behind the Functions front end).</summary>
    public static bool IsOwnOrigin(HttpRequest request, string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
}

internal sealed class OriginPolicyMiddleware(ServiceDirectory services) : HttpMiddleware
{
    protected override async Task InvokeAsync(FunctionContext context, HttpContext http, FunctionExecutionDelegate next)
    {
        var request = http.Request;
        var match = OriginPolicy.SubmittingRoute().Match(request.Path.Value ?? "");
        var origin = request.Headers.Origin.ToString();
        // A browser that keeps the form page's origin private posts it as `Origin: null`; the no-script
        // form's signed token then carries the protection, as it does when no Origin is sent at all.
        if (origin == "null" && match.Value.StartsWith("/api/forms/", StringComparison.OrdinalIgnoreCase))
            origin = "";
        var headers = http.Response.Headers;
        if (match.Success && origin.Length > 0 && !OriginPolicy.IsOwnOrigin(request, origin))
        {
            var service = await services.FindAsync(match.Groups["service"].Value, http.RequestAborted);
            if (service?.Allows(origin) != true)
            {
                Answer(context, TypedResults.Problem(statusCode: 403, title: "This form cannot be sent from the page it is on: it is not one of the service's own web pages.",
                    detail: "An admin lists the origins allowed to embed the form (allowedOrigins in PUT /api/manage/services/{serviceId})."));
                return;
            }
            headers.AccessControlAllowOrigin = origin;
            headers.Vary = "Origin";
        }
        if (HttpMethods.IsOptions(request.Method))
        {
            if (headers.AccessControlAllowOrigin.Count > 0)
            {
                headers.AccessControlAllowMethods = "POST";
                headers.AccessControlAllowHeaders = "authorization, content-type";
                headers.AccessControlMaxAge = "600";
            }
            Answer(context, TypedResults.NoContent());
            return;
        }
        await next(context);
    }
}
