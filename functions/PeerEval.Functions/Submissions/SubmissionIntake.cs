using System.Text.Json;
using PeerEval.Domain;
using PeerEval.Domain.Submissions;
using PeerEval.Functions.Instruments;

namespace PeerEval.Functions.Submissions;

/// <summary>What came of one submission: refused with errors, or stored with an outcome.</summary>
public sealed record IntakeResult(SubmissionRequest? Submission, ErrorBag Errors, AcceptOutcome Outcome);

/// <summary>
/// The one path every submission takes, from the API or from the form: validate against the
/// instruments, pseudonymise the participant, store and queue.
/// </summary>
public sealed class SubmissionIntake(InstrumentCatalog catalog, ParticipantHasher hasher, SubmissionStore store, TimeProvider clock)
{
    public DateOnly Today => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    public async Task<IntakeResult> AcceptAsync(string serviceId, JsonElement body, CancellationToken ct)
    {
        var instruments = await catalog.GetAllAsync(ct);
        var errors = new ErrorBag();
        var submission = SubmissionParser.Parse(body, id => instruments.GetValueOrDefault(id), Today, errors);
        if (submission is null)
            return new IntakeResult(null, errors, default);
        var outcome = await store.AcceptAsync(serviceId, submission, hasher.Hash(serviceId, submission.ParticipantRef), ct);
        return new IntakeResult(submission, errors, outcome);
    }
}
