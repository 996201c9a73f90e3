using System.Text.RegularExpressions;
using PeerEval.Functions.Services;

namespace PeerEval.Functions.Forms;

/// <summary>
/// Browsers may submit for a service only from that service's listed origins (CORS), or from the
/// form page PeerEval itself serves. Any other page is refused before the request reaches an endpoint.
/// </summary>
public static partial class OriginPolicy
{
    [GeneratedRegex("^/api/(?:services/(?<service>[^/]+)/submissions|forms/(?<service>[^/]+))/?$")]
    private static partial Regex SubmittingRoute();

    public static WebApplication UseOriginPolicy(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            var origin = request.Headers.Origin.ToString();
            var match = SubmittingRoute().Match(request.Path.Value ?? "");
            if (origin.Length == 0 || !match.Success || IsOwnOrigin(request, origin))
            {
                await next(context);
                return;
            }
            var service = await context.RequestServices.GetRequiredService<ServiceDirectory>().FindAsync(match.Groups["service"].Value, context.RequestAborted);
            if (service?.Allows(origin) != true)
            {
                await Results.Problem(statusCode: 403, title: "This page's origin may not submit for this service.",
                    detail: "An admin lists the origins allowed to embed the form (PUT /api/admin/services/{serviceId}).").ExecuteAsync(context);
                return;
            }
            var headers = context.Response.Headers;
            headers.AccessControlAllowOrigin = origin;
            headers.Vary = "Origin";
            if (HttpMethods.IsOptions(request.Method))
            {
                headers.AccessControlAllowMethods = "POST";
                headers.AccessControlAllowHeaders = "authorization, content-type";
                headers.AccessControlMaxAge = "600";
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            }
            await next(context);
        });
        return app;
    }

    /// <summary>The form page's own requests: same host and port (the scheme may differ behind the Functions front end).</summary>
    public static bool IsOwnOrigin(HttpRequest request, string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
}
