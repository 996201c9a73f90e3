using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PeerEval.Domain;
using PeerEval.Domain.Instruments;
using PeerEval.Domain.Submissions;
using PeerEval.Functions.Hosting;
using PeerEval.Functions.Instruments;
using PeerEval.Functions.Services;
using PeerEval.Functions.Submissions;

namespace PeerEval.Functions.Forms;

/// <summary>The embeddable form: a page that works without script, its enhancement, and the no-script post.</summary>
public sealed class FormFunctions(ServiceDirectory services, InstrumentCatalog catalog, FormTokens tokens, SubmissionIntake intake)
{
    private static readonly string[] DefaultInstruments = [BuiltInInstruments.HopeCore.Id, BuiltInInstruments.EmpowermentCore.Id];

    [Function("FormEmbedScript")]
    [ProducesResponseType<string>(200, "text/javascript")]
    public IResult EmbedScript([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "forms/embed.js")] HttpRequest request)
    {
        // Loaded by a script tag on the service's own site, so it must be readable cross-origin.
        request.HttpContext.Response.Headers["Cross-Origin-Resource-Policy"] = "cross-origin";
        request.HttpContext.Response.Headers.CacheControl = "public, max-age=3600";
        return TypedResults.Text(Assets.EmbedJs, "text/javascript; charset=utf-8");
    }

    [Function("ShowForm")]
    [ProducesResponseType<string>(200, "text/html")]
    [ProducesResponseType(400)]
    [ProducesResponseType(404)]
    public async Task<IResult> ShowAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "forms/{serviceId}")] HttpRequest request, string serviceId)
    {
        var ct = request.HttpContext.RequestAborted;
        if (await services.FindAsync(serviceId, ct) is not { } service)
            return TypedResults.Problem(statusCode: 404, title: "No such service.");
        var errors = new ErrorBag();
        var chosenOccasion = Occasion.Baseline;
        string? occasion = request.Query["occasion"], instruments = request.Query["instruments"], title = request.Query["title"];
        if (occasion is not null && !OccasionNames.TryParse(occasion, out chosenOccasion))
            errors.Add("occasion", "Must be one of: baseline, followup, discharge.");
        var all = await catalog.GetAllAsync(ct);
        var ids = instruments?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? DefaultInstruments;
        foreach (var unknown in ids.Where(id => !all.ContainsKey(id)))
            errors.Add("instruments", $"Unknown instrument '{unknown}'.");
        if (ids.Length is 0 or > 5)
            errors.Add("instruments", "Name between one and five instruments.");
        if (!errors.IsEmpty)
            return ApiConventions.ValidationProblem(errors);

        var model = new FormModel(serviceId, string.IsNullOrWhiteSpace(title) ? "How are things for you?" : title[..Math.Min(title.Length, 120)],
            chosenOccasion, ids.Select(id => all[id]).ToList(), Guid.NewGuid().ToString(), tokens.Issue(serviceId), NewNonce());
        return Page(request.HttpContext, service, model.Nonce, FormPage.Render(model));
    }

    /// <summary>The form posted without script: the same intake as the API, answered with a page.</summary>
    [Function("SubmitForm")]
    [Consumes("application/x-www-form-urlencoded")]
    [ProducesResponseType<string>(200, "text/html")]
    [ProducesResponseType(400)]
    [ProducesResponseType(403)]
    [ProducesResponseType(404)]
    public async Task<IResult> SubmitAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", "options", Route = "forms/{serviceId}")] HttpRequest request, string serviceId)
    {
        var context = request.HttpContext;
        var ct = context.RequestAborted;
        if (!request.HasFormContentType)
            return TypedResults.Problem(statusCode: 415, title: "The form posts as application/x-www-form-urlencoded.");
        if (request.ContentLength > JsonBody.MaxBytes)
            return TypedResults.Problem(statusCode: 413, title: $"The body is larger than {JsonBody.MaxBytes / 1024} KiB.");
        if (await services.FindAsync(serviceId, ct) is not { } service)
            return TypedResults.Problem(statusCode: 404, title: "No such service.");
        var form = await request.ReadFormAsync(ct);
        var key = tokens.Validate(form["token"].ToString());
        if (key is null || !key.Covers(serviceId))
            return TypedResults.Problem(statusCode: 403, title: "This form has expired. Reload the page and try again.");

        var all = await catalog.GetAllAsync(ct);
        var instrumentIds = form.Keys.Where(k => k.Contains('.') && !k.StartsWith("stay.", StringComparison.Ordinal))
            .Select(k => k[..k.IndexOf('.')]).Distinct().Where(all.ContainsKey).ToList();
        var body = new Dictionary<string, object?>
        {
            ["submissionId"] = form["submissionId"].ToString(),
            ["participantRef"] = form["participantRef"].ToString(),
            ["occasion"] = form["occasion"].ToString(),
            ["completedOn"] = intake.Today.ToString("yyyy-MM-dd"),
            ["responses"] = instrumentIds.Select(id => new
            {
                instrument = id,
                answers = all[id].Items.ToDictionary(i => i.Id, i => int.TryParse(form[$"{id}.{i.Id}"], out var v) ? (int?)v : null),
            }).ToList(),
        };
        if (form["stay.admittedOn"].ToString() is { Length: > 0 } admitted)
            body["stay"] = new { admittedOn = admitted, dischargedOn = form["stay.dischargedOn"].ToString() is { Length: > 0 } d ? d : null };

        using var document = JsonSerializer.SerializeToDocument(body);
        var (submission, errors, outcome) = await intake.AcceptAsync(serviceId, document.RootElement, ct, datedToday: true);
        var nonce = NewNonce();
        if (submission is null)
        {
            _ = OccasionNames.TryParse(form["occasion"].ToString(), out var occasion);
            var model = new FormModel(serviceId, "How are things for you?", occasion, instrumentIds.Select(id => all[id]).ToList(),
                form["submissionId"].ToString(), tokens.Issue(serviceId), nonce);
            var values = form.Keys.ToDictionary(k => k, k => form[k].ToString());
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page(context, service, nonce, FormPage.Render(model, errors.ToProblemErrors(), values));
        }
        if (outcome == AcceptOutcome.Conflict)
            return TypedResults.Problem(statusCode: 409, title: "These answers were already sent with different content. Reload the form to start again.");
        return Page(context, service, nonce, FormPage.Thanks(nonce));
    }

    /// <summary>Only the service's listed origins may frame the form; nothing but PeerEval itself may load into it.</summary>
    private static IResult Page(HttpContext context, ServiceDefinition service, string nonce, string html)
    {
        var ancestors = string.Join(' ', service.AllowedOrigins.Prepend("'self'"));
        context.Response.Headers.ContentSecurityPolicy =
            $"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; img-src 'self'; " +
            $"form-action 'self'; base-uri 'none'; frame-ancestors {ancestors}";
        return TypedResults.Content(html, "text/html; charset=utf-8", statusCode: context.Response.StatusCode);
    }

    private static string NewNonce() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
}
