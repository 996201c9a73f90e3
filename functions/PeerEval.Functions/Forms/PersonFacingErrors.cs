using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using PeerEval.Functions.Hosting;
using PeerEval.Functions.Services;

namespace PeerEval.Functions.Forms;

/// <summary>
/// A person opening or sending the form never sees JSON: whatever refused the request (the function,
/// the origin policy, a rate limit, storage trouble), its problem becomes a page in the form's own
/// style that says what happened, what to do, and where to get help now. Only browsers are answered
/// so (they ask for text/html); a program calling the same route still gets problem details.
/// </summary>
internal sealed class PersonFacingErrors(ServiceDirectory services, FormNoticeSource notices) : HttpMiddleware
{
    private static readonly HashSet<string> FormPages = ["ShowForm", "SubmitForm"];

    protected override async Task InvokeAsync(FunctionContext context, HttpContext http, FunctionExecutionDelegate next)
    {
        await next(context);
        if (!FormPages.Contains(context.FunctionDefinition.Name) || HttpMethods.IsOptions(http.Request.Method)
            || !http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase)
            || context.GetInvocationResult().Value is not IStatusCodeHttpResult { StatusCode: >= 400 and var status } result
            || result is not IValueHttpResult { Value: ProblemDetails problem })
            return;

        var serviceId = context.BindingValue("serviceId");
        var service = serviceId is not null && Routes.ServiceId().IsMatch(serviceId) ? await services.FindAsync(serviceId, CancellationToken.None) : null;
        var page = FormPage.Problem(notices.For(service, anonymous: true), status, problem.Title, BackLink(http.Request, status), out var nonce);
        http.Response.StatusCode = status;
        Answer(context, FormPage.Respond(http, service, nonce, page));
    }

    /// <summary>After sending, the form page the person came from (the form sends a same-origin referrer), when going back to it can help.</summary>
    private static string? BackLink(HttpRequest request, int status) =>
        HttpMethods.IsPost(request.Method) && status is not (404 or 410) && Uri.TryCreate(request.Headers.Referer.ToString(), UriKind.Absolute, out var referer)
            && string.Equals(referer.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)
            && referer.AbsolutePath.StartsWith("/api/forms/", StringComparison.Ordinal)
                ? referer.PathAndQuery
                : null;
}
