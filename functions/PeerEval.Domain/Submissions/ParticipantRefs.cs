using System.Text;

namespace PeerEval.Domain.Submissions;

/// <summary>
/// The one rule for reading a participant reference, wherever it arrives (API, form, invitation,
/// erasure): trimmed and in Unicode NFC, so "José" typed as one code point or as e plus an accent is
/// one person, and a stray space does not make two.
/// </summary>
public static class ParticipantRefs
{
    public const int MaxLength = 200;

    /// <summary>The normalised reference, or null with the reason when there is none to use.</summary>
    public static string? Normalize(string? participantRef, out string? problem)
    {
        problem = null;
        string normalized;
        try
        {
            normalized = (participantRef ?? "").Trim().Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            problem = "Must be valid Unicode text.";
            return null;
        }
        if (normalized.Length == 0)
            problem = "Required.";
        else if (normalized.Length > MaxLength)
            problem = $"At most {MaxLength} characters.";
        return problem is null ? normalized : null;
    }
}
