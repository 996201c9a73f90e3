using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Options;
using PeerEval.Domain;
using PeerEval.Functions.Reports;
using PeerEval.Functions.Services;

namespace PeerEval.Functions.Forms;

public sealed class FormOptions
{
    /// <summary>Shown where a service has not set its own crisis contact: a national line that answers at any hour.</summary>
    [Required]
    public CrisisContact DefaultCrisisContact { get; set; } = new("Samaritans", "116 123", "https://www.samaritans.org", "free, any time, day or night");

    /// <summary>The emergency number the form names first, for anyone in danger now.</summary>
    [Required, RegularExpression(@"^[0-9]{2,4}$")]
    public string EmergencyNumber { get; set; } = "999";
}

/// <summary>The words every page of a service's form carries besides its questions: where to get help now, and who sees the answers.</summary>
public sealed record FormNotices(string ServiceName, CrisisContact Crisis, string EmergencyNumber, string WhoSees, string UsedFor, string Removal);

public static partial class FormSettings
{
    public static FunctionsApplicationBuilder AddFormPages(this FunctionsApplicationBuilder builder)
    {
        builder.Services.AddOptions<FormOptions>().BindConfiguration("PeerEval:Forms").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<FormNoticeSource>();
        // Outermost of the HTTP middleware, so that whatever refuses a form request, the person sees a page.
        builder.UseMiddleware<PersonFacingErrors>();
        return builder;
    }

    [GeneratedRegex(@"^\+?[0-9 ()-]{3,30}$")]
    private static partial Regex PhoneNumber();

    public static void Validate(CrisisContact? crisis, PrivacyNotice? privacy, ErrorBag errors)
    {
        if (crisis is not null)
        {
            if (string.IsNullOrWhiteSpace(crisis.Name) || crisis.Name.Length > 100)
                errors.Add("crisisContact.name", "Give the name of the line or team, at most 100 characters.");
            if (crisis.Phone is null && crisis.Url is null)
                errors.Add("crisisContact", "Give a phone number, a web address or both.");
            if (crisis.Phone is not null && !PhoneNumber().IsMatch(crisis.Phone))
                errors.Add("crisisContact.phone", "Digits, spaces, brackets, hyphens and a leading + only, like 0800 123 4567.");
            if (crisis.Url is not null && (!Uri.TryCreate(crisis.Url, UriKind.Absolute, out var url) || url.Scheme != "https"))
                errors.Add("crisisContact.url", "Give an https address, like https://example.org/crisis.");
            if (crisis.Hours is { Length: > 100 })
                errors.Add("crisisContact.hours", "At most 100 characters.");
        }
        if (privacy is not null)
            foreach (var (field, text) in new[] { ("whoSees", privacy.WhoSees), ("usedFor", privacy.UsedFor), ("removal", privacy.Removal) })
                if (text is { Length: > 500 })
                    errors.Add($"privacyNotice.{field}", "At most 500 characters.");
    }
}

/// <summary>Fills what a service left unset with defaults worded from its own settings.</summary>
public sealed class FormNoticeSource(IOptions<FormOptions> forms, IOptions<ReportingOptions> reporting)
{
    /// <param name="service">Null where no service could be found: the page still shows where to get help.</param>
    /// <param name="anonymous">A public form asks no one's reference, so its answers cannot be found again to remove.</param>
    public FormNotices For(ServiceDefinition? service, bool anonymous)
    {
        var name = service?.Name ?? "The service";
        var notice = service?.PrivacyNotice;
        var k = Math.Max(reporting.Value.MinCellSize, 1);
        return new FormNotices(
            name,
            service?.CrisisContact ?? forms.Value.DefaultCrisisContact,
            forms.Value.EmergencyNumber,
            notice?.WhoSees ?? $"{name} receives your answers. Its reports show only totals for groups of at least {k} people, never one person's answers.",
            notice?.UsedFor ?? "To find out whether peer support helps the people who use it, and to make it better.",
            notice?.Removal ?? (anonymous
                ? "This form does not ask who you are, so your answers cannot be picked out afterwards to be removed."
                : $"You can ask {name} to remove your answers at any time. They can delete everything linked to you."));
    }
}
