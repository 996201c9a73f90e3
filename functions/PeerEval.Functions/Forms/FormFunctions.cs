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
public sealed class FormFunctions(
    ServiceDirectory services, InstrumentCatalog catalog, FormTokens tokens, SubmissionIntake intake, InvitationStore invitations,
    FormNoticeSource notices, TimeProvider clock)
{
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
    [ProducesResponseType(410)]
    public async Task<IResult> ShowAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "forms/{serviceId}")] HttpRequest request, string serviceId)
    {
        var ct = request.HttpContext.RequestAborted;
        if (await services.FindAsync(serviceId, ct) is not { } service)
            return TypedResults.Problem(statusCode: 404, title: "No such service.");
        var all = await catalog.GetAllAsync(ct);
        Occasion occasion;
        IReadOnlyList<string> ids;
        string? invitationId = null;
        if (request.Query.ContainsKey("invitation"))
        {
            // An invitation fixes who, which occasion and which questionnaires; the page only asks the questions.
            invitationId = tokens.ReadInvitationLink(serviceId, request.Query["invitation"]);
            if (invitationId is null || await invitations.FindAsync(serviceId, invitationId, ct) is not { } invitation)
                return TypedResults.Problem(statusCode: 404, title: "No such invitation.");
            if (invitation.IsExpired(clock.GetUtcNow()) || invitation.SubmissionId is not null)
                return TypedResults.Problem(statusCode: 410, title: "This link has expired or was already used.", detail: "Ask the service for a new link.");
            (occasion, ids) = (invitation.Occasion, invitation.Instruments);
        }
        else
        {
            if (!service.PublicForms)
                return TypedResults.Problem(statusCode: 404, title: "This service has no public form.", detail: "Use the link the service sent you.");
            var errors = new ErrorBag();
            occasion = Occasion.Baseline;
            string? asked = request.Query["occasion"], instruments = request.Query["instruments"];
            if (asked is not null && !OccasionNames.TryParse(asked, out occasion))
                errors.Add("occasion", "Must be one of: baseline, followup, discharge.");
            ids = instruments?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? InvitationFunctions.DefaultInstruments;
            foreach (var unknown in ids.Where(id => !all.ContainsKey(id)))
                errors.Add("instruments", $"Unknown instrument '{unknown}'.");
            if (ids.Count is 0 or > SubmissionParser.MaxFormInstruments)
                errors.Add("instruments", "Name between one and five instruments.");
            if (SubmissionParser.MixedRespondent(ids.Where(all.ContainsKey).Select(id => all[id]).ToList()) is { } mixed)
                errors.Add("instruments", mixed);
            if (!errors.IsEmpty)
                return ApiConventions.ValidationProblem(errors);
        }

        var model = new FormModel(serviceId, TitleOf(service), occasion, ids.Where(all.ContainsKey).Select(id => all[id]).ToList(),
            Guid.NewGuid().ToString(), tokens.Issue(serviceId, invitationId), HtmlPages.NewNonce(), notices.For(service, anonymous: invitationId is null));
        return FormPage.Respond(request.HttpContext, service, model.Nonce, FormPage.Render(model));
    }

    /// <summary>Empty is skipped; anything typed that is not a whole number goes on to the intake, which names the question.</summary>
    private static object? AnswerOf(string posted) =>
        posted.Length == 0 ? null : int.TryParse(posted, out var value) ? value : posted;

    /// <summary>The page's title comes from the service's own record, never from the address, so no link can put words in its mouth.</summary>
    private static string TitleOf(ServiceDefinition service) => $"{service.Name}: how are things for you?";

    /// <summary>The form posted without script: the same intake as the API, answered with a page.</summary>
    [Function("SubmitForm")]
    [Consumes("application/x-www-form-urlencoded")]
    [ProducesResponseType<string>(200, "text/html")]
    [ProducesResponseType(400)]
    [ProducesResponseType(403)]
    [ProducesResponseType(404)]
    [ProducesResponseType(409)]
    [ProducesResponseType(410)]
    public async Task<IResult> SubmitAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", "options", Route = "forms/{serviceId}")] HttpRequest request, string serviceId)
    {
        var context = request.HttpContext;
        var ct = context.RequestAborted;
        if (!request.HasFormContentType)
            return TypedResults.Problem(statusCode: 415, title: "The form posts as application/x-www-form-urlencoded.",
                detail: "Post the page's own form fields, or send JSON to /api/services/{serviceId}/submissions.");
        if (await JsonBody.ReadBoundedAsync(request, ct) is not { } posted)
            return TypedResults.Problem(statusCode: 413, title: $"The body is larger than {JsonBody.MaxBytes / 1024} KiB.");
        if (await services.FindAsync(serviceId, ct) is not { } service)
            return TypedResults.Problem(statusCode: 404, title: "No such service.");
        var form = new FormCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(System.Text.Encoding.UTF8.GetString(posted)));
        var key = tokens.Validate(form["token"].ToString());
        if (key is null || !key.Covers(serviceId))
            return TypedResults.Problem(statusCode: 403, title: "This form has expired. Reload the page and try again.");

        var all = await catalog.GetAllAsync(ct);
        // The page lists its questionnaires, so a part left wholly unanswered is still there to be named.
        var instrumentIds = form["instruments"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Distinct().Where(all.ContainsKey).Take(SubmissionParser.MaxFormInstruments).ToList();
        var body = new Dictionary<string, object?>
        {
            ["submissionId"] = form["submissionId"].ToString(),
            ["occasion"] = form["occasion"].ToString(),
            ["completedOn"] = intake.Today.ToString("yyyy-MM-dd"),
            ["responses"] = instrumentIds.Select(id => new
            {
                instrument = id,
                answers = all[id].Items.ToDictionary(i => i.Id, i => AnswerOf(form[$"{id}.{i.Id}"].ToString())),
            }).ToList(),
        };
        if (form["stay.admittedOn"].ToString() is { Length: > 0 } admitted)
            body["stay"] = new { admittedOn = admitted, dischargedOn = form["stay.dischargedOn"].ToString() is { Length: > 0 } d ? d : null };

        using var document = JsonSerializer.SerializeToDocument(body);
        var (submission, errors, outcome) = await intake.AcceptAsync(serviceId, document.RootElement, ct, new FormOrigin(key.Invitation));
        var nonce = HtmlPages.NewNonce();
        var pageNotices = notices.For(service, anonymous: key.Invitation is null);
        if (submission is null)
        {
            _ = OccasionNames.TryParse(form["occasion"].ToString(), out var occasion);
            var model = new FormModel(serviceId, TitleOf(service), occasion, instrumentIds.Select(id => all[id]).ToList(),
                form["submissionId"].ToString(), tokens.Issue(serviceId, key.Invitation), nonce, pageNotices);
            var values = form.Keys.ToDictionary(k => k, k => form[k].ToString());
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return FormPage.Respond(context, service, nonce, FormPage.Render(model, errors.ToProblemErrors(), values));
        }
        if (outcome == AcceptOutcome.Conflict)
            return TypedResults.Problem(statusCode: 409, title: "These answers were already sent with different content. Reload the form to start again.");
        if (SubmissionIntake.ProblemFor(outcome) is { } problem)
            return problem;
        return FormPage.Respond(context, service, nonce, FormPage.Thanks(TitleOf(service), pageNotices, nonce));
    }
}
