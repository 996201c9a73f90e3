using System.Text.Json;
using PeerEval.Domain;
using PeerEval.Domain.Submissions;
using PeerEval.Functions.Instruments;

namespace PeerEval.Functions.Submissions;

public sealed class IntakeOptions
{
    /// <summary>
    /// The most submissions one participant may have at a service. A participant's history is one
    /// storage row; this keeps it well inside a row's size, with room for what is still queued.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 500)]
    public int MaxSubmissionsPerParticipant { get; set; } = 500;

    /// <summary>Why a submission over the limit is refused: by intake at once, or by aggregation after a burst.</summary>
    public string LimitReached => $"This person already has {MaxSubmissionsPerParticipant} submissions here, the most one person can have.";
}

/// <summary>What came of one submission: refused with errors, or stored with an outcome.</summary>
public sealed record IntakeResult(SubmissionRequest? Submission, ErrorBag Errors, AcceptOutcome Outcome);

/// <summary>
/// Answers sent from a form page rather than by a service's back end: from an invitation (which fixes
/// who, which occasion and which questionnaires) or, with none, from a public form (anonymous).
/// Either way they are dated today.
/// </summary>
public sealed record FormOrigin(string? InvitationId);

/// <summary>
/// The one path every submission takes, from the API or from the form: validate against the
/// instruments, pseudonymise the participant, store and queue.
/// </summary>
public sealed class SubmissionIntake(
    InstrumentCatalog catalog, ParticipantHasher hasher, SubmissionStore store, Forms.InvitationStore invitations,
    Aggregation.ParticipantLedger ledger, Services.ServiceDirectory services, Microsoft.Extensions.Options.IOptions<IntakeOptions> options, TimeProvider clock)
{
    public DateOnly Today => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    public async Task<IntakeResult> AcceptAsync(string serviceId, JsonElement body, CancellationToken ct, FormOrigin? form = null)
    {
        var instruments = await catalog.GetAllAsync(ct);
        var errors = new ErrorBag();
        var submission = SubmissionParser.Parse(body, id => instruments.GetValueOrDefault(id), Today, errors, participantGiven: form is null);
        // A day either side, for time zones: enough that a form cannot slip a record in before someone's real one.
        if (submission is not null && form is not null && Math.Abs(submission.CompletedOn.DayNumber - Today.DayNumber) > 1)
            errors.Add("completedOn", "A form dates its answers today.");
        if (submission is null || !errors.IsEmpty)
            return new IntakeResult(null, errors, default);

        string participantHash;
        Forms.Invitation? invitation = null;
        if (form?.InvitationId is { } invitationId)
        {
            invitation = await invitations.FindAsync(serviceId, invitationId, ct);
            if (invitation is null || invitation.IsExpired(clock.GetUtcNow()))
                return new IntakeResult(submission, errors, AcceptOutcome.InvitationExpired);
            if (submission.Occasion != invitation.Occasion)
                errors.Add("occasion", $"Fixed by the invitation: {invitation.Occasion.ToName()}.");
            for (var i = 0; i < submission.Responses.Count; i++)
                if (!invitation.Instruments.Contains(submission.Responses[i].Instrument.Id))
                    errors.Add($"responses[{i}].instrument", "Not one of this invitation's questionnaires.");
            if (submission.Context is not null && submission.Context != invitation.Context)
                errors.Add("context", "Fixed by the invitation: leave it out.");
            submission = submission with { Context = invitation.Context };
            participantHash = invitation.ParticipantHash;
        }
        else if (form is not null)
        {
            if (await services.FindAsync(serviceId, ct) is not { PublicForms: true })
                return new IntakeResult(submission, errors, AcceptOutcome.FormClosed);
            submission = submission with { Anonymous = true };
            participantHash = "anonymous-" + submission.SubmissionId; // its own history: never paired, never one of `participants`
        }
        else
        {
            participantHash = hasher.Hash(serviceId, submission.ParticipantRef);
        }
        var limit = options.Value.MaxSubmissionsPerParticipant;
        var held = submission.Anonymous || !errors.IsEmpty ? 0 : await ledger.CountAsync(serviceId, participantHash, ct);
        if (held >= limit && await store.FindAsync(serviceId, submission.SubmissionId, ct) is null) // a retry of a stored one is still fine
            errors.Add(form is null ? "participantRef" : "$", options.Value.LimitReached);
        if (!errors.IsEmpty)
            return new IntakeResult(null, errors, default);
        // Claimed last, once nothing else can refuse the answers, so a refusal never uses up the invitation.
        if (invitation is not null && !await invitations.ClaimAsync(invitation, submission.SubmissionId, ct))
            return new IntakeResult(submission, errors, AcceptOutcome.InvitationUsed);
        var outcome = await store.AcceptAsync(serviceId, submission, participantHash, newParticipant: held == 0, ct);
        return new IntakeResult(submission, errors, outcome);
    }

    /// <summary>The answer for an outcome that stored nothing new and is not a plain success; null for success.</summary>
    public static IResult? ProblemFor(AcceptOutcome outcome) => outcome switch
    {
        AcceptOutcome.Conflict => TypedResults.Problem(statusCode: 409, title: "This submissionId was already used for a different submission.",
            detail: "Generate a new submissionId for each new submission; reuse one only to retry the very same body."),
        AcceptOutcome.InvitationUsed => TypedResults.Problem(statusCode: 409, title: "This invitation has already been used.",
            detail: "An invitation sends one set of answers. Ask the service for a new link."),
        AcceptOutcome.InvitationExpired => TypedResults.Problem(statusCode: 410, title: "This invitation has expired.",
            detail: "Ask the service for a new link."),
        AcceptOutcome.FormClosed => TypedResults.Problem(statusCode: 403, title: "This service takes no answers from a public form.",
            detail: "Use the link the service sent you."),
        _ => null,
    };
}
