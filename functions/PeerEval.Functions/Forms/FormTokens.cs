using System.ComponentModel.DataAnnotations;
using System.Text;
using Microsoft.Extensions.Options;
using PeerEval.Functions.Auth;

namespace PeerEval.Functions.Forms;

public sealed class FormSigningOptions
{
    /// <summary>The value in appsettings.Development.json and local.settings.sample.json: public, so never accepted outside Development.</summary>
    public const string PublishedDevelopmentKey = "dev-only-form-signing-key-not-secret";

    /// <summary>Signs form tokens. A secret of its own, so a leak of one secret gives no hold over the other.</summary>
    [Required, MinLength(16)]
    public string FormSigningKey { get; set; } = "";
}

/// <summary>
/// A form page carries a short-lived token that acts as a submit key for its one service and nothing
/// else, so no real key is ever put in a public page. It can send answers dated today, and nothing
/// more: it cannot read a submission's status.
/// </summary>
public sealed class FormTokens(IOptions<FormSigningOptions> options, TimeProvider clock)
{
    public const string Prefix = "pf_";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(4);

    private readonly SignedValues _signed = new(Encoding.UTF8.GetBytes(options.Value.FormSigningKey));

    /// <summary>A token for one service's form page, opened with an invitation or (null) as a public form.</summary>
    public string Issue(string serviceId, string? invitationId) =>
        Prefix + _signed.Seal($"{serviceId}|{clock.GetUtcNow().Add(Lifetime).ToUnixTimeSeconds()}|{invitationId}");

    /// <summary>What an invitation link carries: its id and a signature binding it to its service.</summary>
    public string InvitationLink(string serviceId, string invitationId) =>
        invitationId + "." + _signed.Signature($"invitation|{serviceId}|{invitationId}");

    /// <summary>The invitation id a link names, if the link was made for this service; null otherwise.</summary>
    public string? ReadInvitationLink(string serviceId, string? link)
    {
        var parts = (link ?? "").Split('.');
        return parts.Length == 2 && parts[0].Length is > 0 and <= 64 && _signed.Verifies($"invitation|{serviceId}|{parts[0]}", parts[1])
            ? parts[0]
            : null;
    }

    /// <summary>The key a valid, unexpired token stands for; null for anything else.</summary>
    public ApiKey? Validate(string token)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || _signed.Open(token[Prefix.Length..]) is not { } payload)
            return null;
        var fields = payload.Split('|');
        if (fields.Length != 3 || !long.TryParse(fields[1], out var expires) || clock.GetUtcNow().ToUnixTimeSeconds() > expires)
            return null;
        return new ApiKey("form", KeyRole.Submit, [fields[0]], Revoked: false) { IsFormToken = true, Invitation = fields[2] is { Length: > 0 } id ? id : null };
    }
}
