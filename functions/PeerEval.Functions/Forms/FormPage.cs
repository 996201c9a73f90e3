using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using PeerEval.Domain.Instruments;
using PeerEval.Domain.Submissions;
using PeerEval.Functions.Hosting;
using PeerEval.Functions.Services;

namespace PeerEval.Functions.Forms;

/// <summary>What one rendering of the form needs.</summary>
public sealed record FormModel(
    string ServiceId,
    string Title,
    Occasion Occasion,
    IReadOnlyList<InstrumentDefinition> Instruments,
    string SubmissionId,
    string Token,
    string Nonce,
    FormNotices Notices);

/// <summary>
/// Server-rendered form: plain HTML that works with no script at all (it posts to the form endpoint),
/// enhanced by form.js to submit through the API. Labels, fieldsets and legends carry every question,
/// so screen readers announce them; errors sit beside their questions and in a summary at the top.
/// Every page, errors and thanks included, says where to get help now.
/// </summary>
public static partial class FormPage
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public static string Render(FormModel model, IReadOnlyDictionary<string, string[]>? errors = null, IReadOnlyDictionary<string, string>? values = null)
    {
        values ??= new Dictionary<string, string>();
        var fieldErrors = FieldErrors(model, errors);
        var parts = model.Instruments.Count + (model.Occasion == Occasion.Discharge ? 1 : 0);
        var part = 0;
        var page = new StringBuilder();
        page.Append($"""
            <h1>{E(model.Title)}</h1>
            <div id="peereval-thanks" class="thanks" tabindex="-1" hidden>
            <h2>Thank you</h2>
            <p>Your answers have been sent. You can close this page.</p>
            </div>
            """);
        CrisisBlock(page, model.Notices);
        PrivacyBlock(page, model.Notices);
        page.Append($"""
            <form id="peereval-form" method="post" action="/api/forms/{E(model.ServiceId)}" novalidate>
            <p class="lead">{E(Intro(model.Instruments))} There are no right or wrong answers. Choose the answer closest to how things are for you now. You can stop at any time: nothing is sent until you press “Send my answers”.</p>
            """);
        if (fieldErrors.Count > 0)
        {
            page.Append("""<div class="error-summary" role="alert" tabindex="-1"><h2>Please check your answers</h2><ul>""");
            foreach (var error in fieldErrors.Values)
                page.Append($"""<li><a href="#{E(error.TargetId)}">{E(error.Summary)}</a></li>""");
            page.Append("</ul></div>");
        }

        page.Append($"""
            <input type="hidden" name="token" value="{E(model.Token)}">
            <input type="hidden" name="submissionId" value="{E(model.SubmissionId)}">
            <input type="hidden" name="occasion" value="{model.Occasion.ToName()}">
            <input type="hidden" name="instruments" value="{E(string.Join(',', model.Instruments.Select(i => i.Id)))}">
            """);

        foreach (var instrument in model.Instruments)
        {
            page.Append($"""<section id="{E(instrument.Id)}" aria-labelledby="{E(instrument.Id)}-heading"><h2 id="{E(instrument.Id)}-heading">{PartOf(++part, parts)}{E(Topic(instrument))}</h2>""");
            ErrorText(page, instrument.Id, fieldErrors);
            page.Append($"""<p class="hint">{E(SkipRule(instrument))}</p>""");
            foreach (var item in instrument.Items)
            {
                var id = $"{instrument.Id}-{item.Id}";
                var name = $"{instrument.Id}.{item.Id}";
                if (item.Count)
                {
                    NumberField(page, id, name, item, values, fieldErrors);
                    continue;
                }
                var hasError = fieldErrors.ContainsKey(id);
                page.Append($"""<fieldset id="{E(id)}"{(hasError ? " class=\"has-error\"" : "")}><legend>{E(item.Text)}</legend>""");
                ErrorText(page, id, fieldErrors);
                page.Append("""<div class="scale">""");
                for (var value = item.Min; value <= item.Max; value++)
                {
                    var inputId = $"{id}-{value}";
                    var label = instrument.LabelFor(item, value) ?? value.ToString();
                    var check = values.GetValueOrDefault(name) == value.ToString() ? " checked" : "";
                    page.Append($"""<div class="choice"><input type="radio" id="{E(inputId)}" name="{E(name)}" value="{value}"{check}{(hasError ? $" aria-invalid=\"true\" aria-describedby=\"{E(id)}-error\"" : "")}><label for="{E(inputId)}">{E(label)}</label></div>""");
                }
                // Shown by form.js once a choice is made: a radio group cannot otherwise go back to no answer.
                page.Append($"""</div><button type="button" class="clear" data-clear="{E(name)}" hidden>Clear answer<span class="visually-hidden"> to: {E(item.Text)}</span></button></fieldset>""");
            }
            page.Append("</section>");
        }

        if (model.Occasion == Occasion.Discharge)
        {
            page.Append($"""<section id="stay" aria-labelledby="stay-heading"><h2 id="stay-heading">{PartOf(++part, parts)}Hospital stay (filled in by staff)</h2>""");
            TextField(page, "stay-admittedOn", "stay.admittedOn", "Date admitted", "Leave empty if there was no stay.", "date", values, fieldErrors);
            TextField(page, "stay-dischargedOn", "stay.dischargedOn", "Date discharged", "Leave empty if the person is still in hospital.", "date", values, fieldErrors);
            page.Append("</section>");
        }

        var config = JsonSerializer.Serialize(new
        {
            submissionId = model.SubmissionId,
            token = model.Token,
            occasion = model.Occasion.ToName(),
            submitUrl = $"/api/services/{model.ServiceId}/submissions",
            instruments = model.Instruments.Select(i => new { id = i.Id, items = i.Items.Select(item => item.Id), skipped = TooManySkipped(i) }),
        });
        page.Append($"""
            <button type="submit" class="send">Send my answers</button>
            </form>
            <script type="application/json" id="peereval-config">{config.Replace("</", "<\\/")}</script>
            <script nonce="{model.Nonce}">{Assets.FormJs}</script>
            """);
        return Layout(model.Title, model.Nonce, page.ToString());
    }

    public static string Thanks(string title, FormNotices notices, string nonce)
    {
        var page = new StringBuilder($"""
            <h1>{E(title)}</h1>
            <div class="thanks" role="status"><h2>Thank you</h2><p>Your answers have been sent. You can close this page.</p></div>
            """);
        CrisisBlock(page, notices);
        return Layout("Thank you", nonce, page.ToString());
    }

    /// <summary>A refusal, in words for the person who met it: what happened, what they can do, where to get help.</summary>
    public static string Problem(FormNotices notices, int status, string? title, string? backLink, out string nonce)
    {
        nonce = HtmlPages.NewNonce();
        var (heading, happened, todo) = status switch
        {
            400 or 404 => ("We can't open this form", "The link to this form is not complete, or it is out of date.", "Check the link, or ask the service to send it to you again."),
            410 => ("We can't open this form", title, "Ask the service for a new link. If you have already sent your answers, there is nothing more to do."),
            403 or 409 => ("We could not take your answers", title, "Go back to the form and send it again from there."),
            413 or 415 => ("We could not take your answers", "What arrived was not the form as the page sends it.", "Go back to the form and send it again."),
            429 => ("Please wait a moment", "Many forms were sent from here in a short time.", "Wait a minute, then use your browser's Back button to return to your answers and send them again."),
            _ => ("We could not save your answers just now", "Nothing went wrong on your side.", "Wait a few minutes, then use your browser's Back button to return to your answers and send them again."),
        };
        var page = new StringBuilder($"""
            <div class="problem" role="alert"><h1>{E(heading)}</h1><p>{E(happened ?? "")}</p><p>{E(todo)}</p>
            """);
        if (backLink is not null)
            page.Append($"""<p><a href="{E(backLink)}">Go back to the form</a></p>""");
        page.Append("</div>");
        CrisisBlock(page, notices);
        return Layout(heading, nonce, page.ToString());
    }

    /// <summary>Sends a form page: only the service's listed origins may frame it, nothing but PeerEval may load into it.</summary>
    public static IResult Respond(HttpContext context, ServiceDefinition? service, string nonce, string html)
    {
        var ancestors = string.Join(' ', (service?.AllowedOrigins ?? []).Prepend("'self'"));
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy =
            $"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; img-src 'self'; " +
            $"form-action 'self'; base-uri 'none'; frame-ancestors {ancestors}";
        // The form posts back to its own origin; under no-referrer a browser would send that post with `Origin: null`.
        headers["Referrer-Policy"] = "same-origin";
        return TypedResults.Content(html, "text/html; charset=utf-8", statusCode: context.Response.StatusCode);
    }


    /// <summary>A heading by topic: an instrument's title without the note of where it comes from ("Hope (PeerEval core)" is "Hope").</summary>
    public static string Topic(InstrumentDefinition instrument) => TitleNote().Replace(instrument.Title, "");

    /// <summary>Said before it bites: how many questions of a part a person may leave out and still be counted.</summary>
    public static string SkipRule(InstrumentDefinition instrument)
    {
        var count = instrument.Items.Count;
        var questions = count == 1 ? "1 question" : $"{count} questions";
        return instrument.Scoring.ProrateMaxMissing switch
        {
            0 => $"{questions}. Please answer every one, or your answers to this part cannot be counted.",
            1 => $"{questions}. You can leave out 1 if you would rather not answer it.",
            var most => $"{questions}. You can leave out up to {most} if you would rather not answer them.",
        };
    }

    private static string TooManySkipped(InstrumentDefinition instrument)
    {
        var scored = instrument.ScoredItems.Count();
        return $"Please answer at least {scored - instrument.Scoring.ProrateMaxMissing} of the {scored} questions in the {Topic(instrument)} part.";
    }

    /// <summary>Whose answers these are: the form knows its respondent group from its questionnaires.</summary>
    private static string Intro(IReadOnlyList<InstrumentDefinition> instruments) => instruments.FirstOrDefault()?.Respondent switch
    {
        Respondent.PeerWorker => "These questions are about you as a peer worker: your own recovery, and how the role treats you.",
        Respondent.Staff => "These questions are about your work, and how you see the recovery of the people your team supports.",
        _ => "These questions are about how things are for you.",
    };

    private static string PartOf(int part, int parts) => parts > 1 ? $"Part {part} of {parts}: " : "";

    private static string Layout(string title, string nonce, string body) => HtmlPages.Layout(title, nonce, Assets.FormCss, body);

    private static void CrisisBlock(StringBuilder page, FormNotices notices)
    {
        var crisis = notices.Crisis;
        page.Append($"""
            <section class="help" aria-labelledby="help-heading"><h2 id="help-heading">If you need support now</h2>
            <p>If you are in danger, or might act on thoughts of harming yourself, call <a href="tel:{notices.EmergencyNumber}">{notices.EmergencyNumber}</a> or go to A&amp;E now.</p>
            <p>{E(crisis.Name)}
            """);
        if (crisis.Phone is not null)
            page.Append($""": <a href="tel:{E(crisis.Phone.Replace(" ", ""))}">{E(crisis.Phone)}</a>""");
        if (crisis.Hours is not null)
            page.Append($" ({E(crisis.Hours)})");
        page.Append('.');
        if (crisis.Url is not null)
            page.Append($""" <a href="{E(crisis.Url)}" target="_blank" rel="noopener">{E(crisis.Name)} website<span class="visually-hidden"> (opens in a new tab)</span></a>""");
        page.Append("</p>");
        page.Append("</section>");
    }

    private static void PrivacyBlock(StringBuilder page, FormNotices notices) => page.Append($"""
        <details class="privacy"><summary>Who sees your answers, and what for</summary>
        <p>{E(notices.WhoSees)}</p><p>{E(notices.UsedFor)}</p><p>{E(notices.Removal)}</p>
        </details>
        """);

    /// <summary>A count (days or times) is typed as a number: a scale of 29 choices would be no scale at all.</summary>
    private static void NumberField(StringBuilder page, string id, string name, InstrumentItem item,
        IReadOnlyDictionary<string, string> values, Dictionary<string, FieldError> errors)
    {
        var hasError = errors.ContainsKey(id);
        page.Append($"""<div class="field{(hasError ? " has-error" : "")}" id="{E(id)}"><label for="{E(id)}-value">{E(item.Text)}</label><span class="hint" id="{E(id)}-hint">A number from {item.Min} to {item.Max}.</span>""");
        ErrorText(page, id, errors);
        var describedBy = hasError ? $"{id}-hint {id}-error" : $"{id}-hint";
        page.Append($"""<input type="number" inputmode="numeric" min="{item.Min}" max="{item.Max}" step="1" class="count" id="{E(id)}-value" name="{E(name)}" value="{E(values.GetValueOrDefault(name) ?? "")}" aria-describedby="{E(describedBy)}"{(hasError ? " aria-invalid=\"true\"" : "")}></div>""");
    }

    private static void TextField(StringBuilder page, string id, string name, string label, string hint, string type,
        IReadOnlyDictionary<string, string> values, Dictionary<string, FieldError> errors)
    {
        var hasError = errors.ContainsKey(id);
        page.Append($"""<div class="field{(hasError ? " has-error" : "")}" id="{E(id)}-field"><label for="{E(id)}">{E(label)}</label><span class="hint" id="{E(id)}-hint">{E(hint)}</span>""");
        ErrorText(page, id, errors);
        var describedBy = hasError ? $"{id}-hint {id}-error" : $"{id}-hint";
        page.Append($"""<input type="{type}" id="{E(id)}" name="{E(name)}" value="{E(values.GetValueOrDefault(name) ?? "")}" aria-describedby="{E(describedBy)}"{(hasError ? " aria-invalid=\"true\"" : "")}></div>""");
    }

    private static void ErrorText(StringBuilder page, string id, Dictionary<string, FieldError> errors)
    {
        if (errors.TryGetValue(id, out var error))
            page.Append($"""<span class="error-message" id="{E(id)}-error">{E(error.Inline)}</span>""");
    }

    [GeneratedRegex(@"^responses\[(\d+)\]\.answers(?:\.(.+))?$")]
    private static partial Regex AnswerPath();

    [GeneratedRegex(@"\s*\([^)]*\)\s*$")]
    private static partial Regex TitleNote();

    /// <summary>An error as the page shows it: beside its question, and in the summary naming that question.</summary>
    public sealed record FieldError(string TargetId, string Inline, string Summary);

    /// <summary>
    /// The submission's errors by JSON path, placed on the fields that show them and worded for the person
    /// (form.js does the same in the browser): a part with too many questions left out says how many to answer.
    /// </summary>
    public static Dictionary<string, FieldError> FieldErrors(FormModel model, IReadOnlyDictionary<string, string[]>? errors)
    {
        var mapped = new Dictionary<string, FieldError>();
        foreach (var (path, messages) in errors ?? new Dictionary<string, string[]>())
        {
            var message = string.Join(" ", messages);
            var error = path switch
            {
                "stay.admittedOn" => new FieldError("stay-admittedOn", message, $"Date admitted: {message}"),
                "stay.dischargedOn" => new FieldError("stay-dischargedOn", message, $"Date discharged: {message}"),
                _ when AnswerPath().Match(path) is { Success: true } m && int.Parse(m.Groups[1].Value) < model.Instruments.Count
                    && model.Instruments[int.Parse(m.Groups[1].Value)] is var instrument =>
                    m.Groups[2].Success && instrument.FindItem(m.Groups[2].Value) is { } item
                        ? new FieldError($"{instrument.Id}-{item.Id}", message, $"{item.Text} {message}")
                        : new FieldError(instrument.Id, TooManySkipped(instrument), TooManySkipped(instrument)),
                _ => new FieldError("peereval-form", message, message),
            };
            mapped[error.TargetId] = mapped.TryGetValue(error.TargetId, out var existing)
                ? existing with { Inline = $"{existing.Inline} {error.Inline}", Summary = $"{existing.Summary} {error.Summary}" }
                : error;
        }
        return mapped;
    }

    private static string E(string text) => Html.Encode(text);
}

/// <summary>The form's stylesheet and scripts, embedded in the assembly so the app serves them with no file system.</summary>
public static class Assets
{
    public static string FormCss { get; } = Read("form.css");
    public static string FormJs { get; } = Read("form.js");
    public static string EmbedJs { get; } = Read("embed.js");

    private static string Read(string name)
    {
        using var stream = typeof(Assets).Assembly.GetManifestResourceStream($"PeerEval.Functions.Forms.assets.{name}")
            ?? throw new InvalidOperationException($"Embedded asset {name} is missing.");
        return new StreamReader(stream).ReadToEnd();
    }
}
