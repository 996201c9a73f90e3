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

    /// <param name="datedToday">
    /// For answers sent through a public form: they are from today (a day either side, for time zones),
    /// so a form token cannot slip a record in before someone's real one.
    /// </param>
    public async Task<IntakeResult> AcceptAsync(string serviceId, JsonElement body, CancellationToken ct, bool datedToday = false)
    {
        var instruments = await catalog.GetAllAsync(ct);
        var errors = new ErrorBag();
        var submission = SubmissionParser.Parse(body, id => instruments.GetValueOrDefault(id), Today, errors);
        if (submission is not null && datedToday && Math.Abs(submission.CompletedOn.DayNumber - Today.DayNumber) > 1)
        {
            errors.Add("completedOn", "A form dates its answers today.");
            submission = null;
        }
        if (submission is null)
            return new IntakeResult(null, errors, default);
        var outcome = await store.AcceptAsync(serviceId, submission, hasher.Hash(serviceId, submission.ParticipantRef), ct);
        return new IntakeResult(submission, errors, outcome);
    }
}
