using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using PeerEval.Domain.Instruments;
using PeerEval.Domain.Submissions;

namespace PeerEval.Functions.Forms;

/// <summary>What one rendering of the form needs.</summary>
public sealed record FormModel(
    string ServiceId,
    string Title,
    Occasion Occasion,
    IReadOnlyList<InstrumentDefinition> Instruments,
    string SubmissionId,
    string Token,
    string Nonce);

/// <summary>
/// Server-rendered form: plain HTML that works with no script at all (it posts to the form endpoint),
/// enhanced by form.js to submit through the API. Labels, fieldsets and legends carry every question,
/// so screen readers announce them; errors sit beside their fields and in a summary at the top.
/// </summary>
public static partial class FormPage
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public static string Render(FormModel model, IReadOnlyDictionary<string, string[]>? errors = null, IReadOnlyDictionary<string, string>? values = null)
    {
        values ??= new Dictionary<string, string>();
        var fieldErrors = MapErrors(model, errors);
        var page = new StringBuilder();
        page.Append($"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{E(model.Title)}</title>
            <style nonce="{model.Nonce}">{Assets.FormCss}</style>
            </head>
            <body>
            <main>
            <div id="peereval-thanks" class="thanks" tabindex="-1" role="status" hidden>
            <h1>Thank you</h1>
            <p>Your answers have been sent. You can close this page.</p>
            </div>
            <form id="peereval-form" method="post" action="/api/forms/{E(model.ServiceId)}" novalidate>
            <h1>{E(model.Title)}</h1>
            <p class="lead">There are no right or wrong answers. Choose the answer closest to how things are for you now. You can skip a question you would rather not answer.</p>
            """);
        if (fieldErrors.Count > 0)
        {
            page.Append("""<div class="error-summary" role="alert" tabindex="-1"><h2>Please check your answers</h2><ul>""");
            foreach (var (id, messages) in fieldErrors)
                page.Append($"""<li><a href="#{E(id)}">{E(string.Join(" ", messages))}</a></li>""");
            page.Append("</ul></div>");
        }

        page.Append($"""
            <input type="hidden" name="token" value="{E(model.Token)}">
            <input type="hidden" name="submissionId" value="{E(model.SubmissionId)}">
            <input type="hidden" name="occasion" value="{model.Occasion.ToName()}">
            """);

        foreach (var instrument in model.Instruments)
        {
            page.Append($"""<section id="{E(instrument.Id)}" aria-labelledby="{E(instrument.Id)}-heading"><h2 id="{E(instrument.Id)}-heading">{E(instrument.Title)}</h2>""");
            ErrorText(page, instrument.Id, fieldErrors);
            foreach (var item in instrument.Items)
            {
                var id = $"{instrument.Id}-{item.Id}";
                var name = $"{instrument.Id}.{item.Id}";
                var hasError = fieldErrors.ContainsKey(id);
                page.Append($"""<fieldset id="{E(id)}"{(hasError ? " class=\"has-error\"" : "")}><legend>{E(item.Text)}</legend>""");
                ErrorText(page, id, fieldErrors);
                page.Append("""<div class="scale">""");
                for (var value = item.Min; value <= item.Max; value++)
                {
                    var inputId = $"{id}-{value}";
                    var label = instrument.LabelFor(item, value) is { } words ? $"{words}" : value.ToString();
                    var check = values.GetValueOrDefault(name) == value.ToString() ? " checked" : "";
                    page.Append($"""<div class="choice"><input type="radio" id="{E(inputId)}" name="{E(name)}" value="{value}"{check}{(hasError ? $" aria-invalid=\"true\" aria-describedby=\"{E(id)}-error\"" : "")}><label for="{E(inputId)}">{E(label)}</label></div>""");
                }
                page.Append("</div></fieldset>");
            }
            page.Append("</section>");
        }

        if (model.Occasion == Occasion.Discharge)
        {
            page.Append("""<section id="stay" aria-labelledby="stay-heading"><h2 id="stay-heading">Hospital stay (completed by staff)</h2>""");
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
            instruments = model.Instruments.Select(i => new { id = i.Id, items = i.Items.Select(item => item.Id) }),
        });
        page.Append($"""
            <button type="submit">Send my answers</button>
            </form>
            </main>
            <script type="application/json" id="peereval-config">{config.Replace("</", "<\\/")}</script>
            <script nonce="{model.Nonce}">{Assets.FormJs}</script>
            </body>
            </html>
            """);
        return page.ToString();
    }

    public static string Thanks(string nonce) => $"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Thank you</title><style nonce="{nonce}">{Assets.FormCss}</style></head>
        <body><main><div class="thanks" role="status"><h1>Thank you</h1><p>Your answers have been sent. You can close this page.</p></div></main></body></html>
        """;

    private static void TextField(StringBuilder page, string id, string name, string label, string hint, string type,
        IReadOnlyDictionary<string, string> values, Dictionary<string, string[]> errors)
    {
        var hasError = errors.ContainsKey(id);
        page.Append($"""<div class="field{(hasError ? " has-error" : "")}" id="{E(id)}-field"><label for="{E(id)}">{E(label)}</label><span class="hint" id="{E(id)}-hint">{E(hint)}</span>""");
        ErrorText(page, id, errors);
        var describedBy = hasError ? $"{id}-hint {id}-error" : $"{id}-hint";
        page.Append($"""<input type="{type}" id="{E(id)}" name="{E(name)}" value="{E(values.GetValueOrDefault(name) ?? "")}" aria-describedby="{E(describedBy)}"{(hasError ? " aria-invalid=\"true\"" : "")}{(type == "text" ? " autocomplete=\"off\" spellcheck=\"false\"" : "")}></div>""");
    }

    private static void ErrorText(StringBuilder page, string id, Dictionary<string, string[]> errors)
    {
        if (errors.TryGetValue(id, out var messages))
            page.Append($"""<span class="error-message" id="{E(id)}-error">{E(string.Join(" ", messages))}</span>""");
    }

    [GeneratedRegex(@"^responses\[(\d+)\]\.answers(?:\.(.+))?$")]
    private static partial Regex AnswerPath();

    /// <summary>The submission's JSON paths, mapped to the ids of the fields that show them (form.js does the same in the browser).</summary>
    public static Dictionary<string, string[]> MapErrors(FormModel model, IReadOnlyDictionary<string, string[]>? errors)
    {
        var mapped = new Dictionary<string, string[]>();
        foreach (var (path, messages) in errors ?? new Dictionary<string, string[]>())
        {
            var id = path switch
            {
                "stay.admittedOn" => "stay-admittedOn",
                "stay.dischargedOn" => "stay-dischargedOn",
                _ when AnswerPath().Match(path) is { Success: true } m && int.Parse(m.Groups[1].Value) < model.Instruments.Count =>
                    model.Instruments[int.Parse(m.Groups[1].Value)].Id + (m.Groups[2].Success ? "-" + m.Groups[2].Value : ""),
                _ => "peereval-form",
            };
            mapped[id] = mapped.TryGetValue(id, out var existing) ? [.. existing, .. messages] : messages;
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
