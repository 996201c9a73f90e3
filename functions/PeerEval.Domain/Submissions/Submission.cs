using PeerEval.Domain.Instruments;

namespace PeerEval.Domain.Submissions;

public enum Occasion { Baseline, Followup, Discharge }

public sealed record Stay(DateOnly AdmittedOn, DateOnly? DischargedOn);

/// <summary>Where the support happened, in the service's own codes (never names): what reports will break down by.</summary>
public sealed record SupportContext(string? Team, string? Setting, string? PeerWorker)
{
    public static readonly IReadOnlyList<string> Settings = ["inpatient", "community", "crisis", "primary-care", "other"];
}

public sealed record InstrumentResponse(InstrumentDefinition Instrument, IReadOnlyDictionary<string, int?> Answers);

/// <summary>
/// A submission that passed validation, still holding the raw participant reference (empty where a
/// form or invitation decides who it is from). An anonymous one, from a public form, has no participant.
/// </summary>
public sealed record SubmissionRequest(
    string SubmissionId,
    string ParticipantRef,
    Occasion Occasion,
    DateOnly CompletedOn,
    IReadOnlyList<InstrumentResponse> Responses,
    Stay? Stay,
    SupportContext? Context = null,
    bool Anonymous = false);

/// <summary>What a service's back end asks an invitation for: one person, one occasion, the questionnaires, where.</summary>
public sealed record InvitationRequest(string ParticipantRef, Occasion Occasion, IReadOnlyList<string> Instruments, SupportContext? Context);

public static class OccasionNames
{
    public static string ToName(this Occasion occasion) => occasion switch
    {
        Occasion.Baseline => "baseline",
        Occasion.Followup => "followup",
        _ => "discharge",
    };

    public static bool TryParse(string? name, out Occasion occasion)
    {
        (var ok, occasion) = name switch
        {
            "baseline" => (true, Occasion.Baseline),
            "followup" => (true, Occasion.Followup),
            "discharge" => (true, Occasion.Discharge),
            _ => (false, default),
        };
        return ok;
    }

    public static IReadOnlyList<string> All { get; } = ["baseline", "followup", "discharge"];
}
