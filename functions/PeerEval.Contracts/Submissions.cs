using System.Text.Json.Serialization;

namespace PeerEval.Contracts;

// The submission's wire shape, for the .NET client and the API description. The API itself reads
// bodies with the domain's SubmissionParser, which reports every bad field by its JSON path.

public sealed record InstrumentAnswers(string Instrument, IReadOnlyDictionary<string, int?> Answers);

public sealed record StayDates(DateOnly AdmittedOn, DateOnly? DischargedOn = null);

/// <summary>Where the support happened, in the service's own codes (never names): what reports break down by.</summary>
/// <param name="Setting">inpatient, community, crisis, primary-care or other.</param>
public sealed record SupportContextCodes(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Team = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Setting = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PeerWorker = null);

/// <summary>A submission as the contract describes it. Keep the SubmissionId when retrying: it makes the retry count once.</summary>
public sealed record SubmissionBody(
    string SubmissionId,
    string ParticipantRef,
    string Occasion,
    DateOnly CompletedOn,
    IReadOnlyList<InstrumentAnswers> Responses,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] StayDates? Stay = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SupportContextCodes? Context = null);

/// <summary>What the API answers about a submission: its id and status, and why when it was rejected.</summary>
public sealed record SubmissionReceipt(
    string SubmissionId,
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null);
