using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace PeerEval.Functions.Auth;

/// <summary>
/// A payload sealed with its HMAC as `payload.signature` (base64url): what form tokens and dashboard
/// sessions carry, so that neither can be forged or stretched.
/// </summary>
public sealed class SignedValues(byte[] key)
{
    public string Seal(string payload) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload)) + "." + Base64Url.EncodeToString(Sign(payload));

    /// <summary>The payload of a value this key sealed; null for anything else.</summary>
    public string? Open(string value)
    {
        var parts = value.Split('.');
        if (parts.Length != 2 || Decode(parts[0]) is not { } payloadBytes || Decode(parts[1]) is not { } signature)
            return null;
        var payload = Encoding.UTF8.GetString(payloadBytes);
        return CryptographicOperations.FixedTimeEquals(signature, Sign(payload)) ? payload : null;
    }

    /// <summary>The signature alone, for values whose payload travels in the clear (an invitation link's id).</summary>
    public string Signature(string payload) => Base64Url.EncodeToString(Sign(payload));

    public bool Verifies(string payload, string signature) =>
        Decode(signature) is { } bytes && CryptographicOperations.FixedTimeEquals(bytes, Sign(payload));

    private byte[] Sign(string payload) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(payload));

    private static byte[]? Decode(string text) =>
        text.Length is > 0 and <= 400 && Base64Url.IsValid(text) ? Base64Url.DecodeFromChars(text) : null;
}
