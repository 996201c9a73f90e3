using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace PeerEval.Functions.Submissions;

public sealed class ParticipantKeyOptions
{
    /// <summary>The value in appsettings.Development.json and local.settings.sample.json: public, so never accepted outside Development.</summary>
    public const string PublishedDevelopmentKey = "dev-only-participant-key-not-secret";

    /// <summary>The per-deployment secret for participant pseudonyms. Changing it breaks the link to earlier submissions.</summary>
    [Required, MinLength(16)]
    public string ParticipantKey { get; set; } = "";
}

/// <summary>
/// The only place a participant reference is used: it becomes HMAC-SHA256(secret, service, ref) and
/// is forgotten. Scoping by service means the same ref at two services is two pseudonyms. Callers
/// pass a reference read by <see cref="PeerEval.Domain.Submissions.ParticipantRefs"/>.
/// </summary>
public sealed class ParticipantHasher(IOptions<ParticipantKeyOptions> options)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(options.Value.ParticipantKey);

    public string Hash(string serviceId, string participantRef) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{serviceId}\n{participantRef}")));
}
