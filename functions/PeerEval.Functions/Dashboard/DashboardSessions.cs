using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using PeerEval.Functions.Auth;
using PeerEval.Functions.Forms;

namespace PeerEval.Functions.Dashboard;

/// <summary>
/// An evaluator's signed-in session on one service's dashboard: a cookie naming the report key's id,
/// the service and an expiry, signed so it cannot be forged or stretched. The raw key is never in it,
/// and the key is looked up on every request, so revoking it ends the session at once.
/// </summary>
public sealed class DashboardSessions(IOptions<FormSigningOptions> options, ApiKeyStore keys, TimeProvider clock)
{
    public const string CookieName = "peereval_dashboard";
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);

    // A key of its own, derived from the signing secret, so no form token can ever pass for a session.
    private readonly SignedValues _signed = new(HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.Value.FormSigningKey), "peereval dashboard session"u8));

    /// <summary>Signs the evaluator in: the cookie is sent back only to this service's dashboard routes.</summary>
    public void SignIn(HttpResponse response, ApiKey key, string serviceId)
    {
        var expires = clock.GetUtcNow().Add(Lifetime);
        response.Cookies.Append(CookieName, _signed.Seal($"{key.KeyId}|{serviceId}|{expires.ToUnixTimeSeconds()}"), new CookieOptions
        {
            HttpOnly = true,
            // The Functions front end may reach the worker over http while the browser used https.
            Secure = response.HttpContext.Request.IsHttps || response.HttpContext.Request.Headers["X-Forwarded-Proto"] == "https",
            SameSite = SameSiteMode.Strict,
            Path = Path(serviceId),
            Expires = expires,
        });
    }

    public static string Path(string serviceId) => $"/api/dashboard/{serviceId}";

    /// <summary>The report key behind a valid, unexpired session, narrowed to the one service it was opened for; null otherwise.</summary>
    public async Task<ApiKey?> ValidateAsync(string cookie, CancellationToken cancellationToken)
    {
        if (_signed.Open(cookie) is not { } payload)
            return null;
        var fields = payload.Split('|');
        if (fields.Length != 3 || !long.TryParse(fields[2], out var expires) || clock.GetUtcNow().ToUnixTimeSeconds() > expires)
            return null;
        return await keys.FindByIdAsync(fields[0], cancellationToken) is { Revoked: false, Role: KeyRole.Report } key && key.Covers(fields[1])
            ? key with { Services = [fields[1]] }
            : null;
    }
}
