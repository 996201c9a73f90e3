using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using PeerEval.Domain;
using PeerEval.Functions.Storage;
using PeerEval.Functions.Submissions;

namespace PeerEval.Functions.Aggregation;

/// <summary>A message's fate: null reason means done; otherwise it is retried, and poisoned after the last try.</summary>
public sealed record MessageResult(string? FailureReason, SubmissionMessage? Message)
{
    public bool Succeeded => FailureReason is null;
}

/// <summary>
/// Folds queued submissions into report rows. A batch is folded together: one ledger write per
/// participant and one transaction per report month, however many messages touch it. Each step is
/// idempotent, so a crash anywhere is healed by redelivery.
/// </summary>
public sealed class Aggregator(
    SubmissionStore submissions, ParticipantLedger ledger, ReportRows reports, Network.NetworkFeed network, Microsoft.Extensions.Options.IOptions<IntakeOptions> cap, ILogger<Aggregator> logger)
{
    private const int Parallelism = 8;

    public async Task<IReadOnlyList<MessageResult>> ProcessAsync(IReadOnlyList<string> messages, CancellationToken ct)
    {
        var parsed = messages.Select(Parse).ToList();
        var valid = parsed.Where(p => p.Succeeded).Select(p => p.Message!).DistinctBy(m => m.Key).ToList();
        if (valid.Count == 0)
            return parsed;
        try
        {
            var failures = await FoldAsync(valid, ct);
            return parsed.Select(p => p.Succeeded && failures.TryGetValue(p.Message!.Key, out var reason) ? p with { FailureReason = reason } : p).ToList();
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            if (valid.Count == 1)
                return parsed.Select(p => p.Succeeded ? p with { FailureReason = Describe(e) } : p).ToList();
            // Something in the batch failed: fold each message alone so one bad message cannot hold back the rest.
            logger.LogWarning("Batch of {Count} failed ({Error}); folding one at a time.", valid.Count, e.GetType().Name);
            var results = new List<MessageResult>();
            foreach (var result in parsed)
                results.Add(result.Succeeded ? (await ProcessAsync([result.Message!.ToJson()], ct))[0] : result);
            return results;
        }
    }

    /// <summary>A reason fit for the failure record: the error's kind and first line, never message content.</summary>
    private static string Describe(Exception e)
    {
        var firstLine = e.Message.Split('\n', 2)[0].Trim();
        // Storage's first line says only that it failed; its status and error code say why.
        var status = e is RequestFailedException { Status: > 0 } failed ? $" ({failed.Status} {failed.ErrorCode})" : "";
        var reason = $"{e.GetType().Name}{status}: {firstLine}";
        return reason.Length > 300 ? reason[..300] : reason;
    }

    /// <summary>Returns the messages that cannot succeed, with why; throws on anything worth retrying.</summary>
    private async Task<Dictionary<(string, string), string>> FoldAsync(IReadOnlyList<SubmissionMessage> messages, CancellationToken ct)
    {
        var failures = new Dictionary<(string, string), string>();
        var toFold = new List<(SubmissionMessage Message, StoredSubmission Submission)>();
        var toCarry = new List<StoredSubmission>();
        foreach (var message in messages)
        {
            if (message.Carried is { } carried)
                toFold.Add((message, carried));
            else if (await submissions.FindAsync(message.ServiceId, message.SubmissionId, ct) is not { } stored)
                failures[message.Key] = "No stored submission matches this message.";
            else if (stored.Status != SubmissionStatus.Queued)
                continue; // counted, rejected or erased already: nothing to do
            else if (stored.Observation is null)
                failures[message.Key] = "The stored submission has no observation to aggregate.";
            else
                toCarry.Add(stored);
        }
        // A bare reference (sent by hand, or a stray copy) is not folded as it is: should a try fail after adding the
        // submission to a history, and the row be erased before the retry, the retry could not tell whose history to
        // take it back from. It goes back to the queue carrying the row, and every retry of that message can.
        await Task.WhenAll(toCarry.Select(s => submissions.EnqueueAsync(s, ct)));

        // A person is taken as new only if every message of theirs in the batch came from intake finding no history.
        var newcomer = toFold.ToLookup(f => (f.Message.ServiceId, f.Submission.ParticipantHash), f => f.Message.NewParticipant);
        var participants = (await Task.WhenAll(toFold.Select(f => f.Submission).GroupBy(s => s.ServiceId).Select(service => ledger.RecordAllAsync(service.Key,
            service.GroupBy(s => s.ParticipantHash)
                .Select(p => (p.Key, (IReadOnlyList<Domain.Aggregation.Observation>)p.Select(s => s.Observation!).ToList(), newcomer[(service.Key, p.Key)].All(n => n)))
                .ToList(), ct)))).SelectMany(p => p).ToList();

        await ApplyToReportsAsync(participants, ct);
        // What a full history did not take stays unmarked and fails, so it ends rejected, with the reason.
        var held = participants.SelectMany(p => p.History.Select(o => (p.ServiceId, o.SubmissionId))).ToHashSet();
        foreach (var (message, _) in toFold.Where(f => !held.Contains(f.Message.Key)))
            failures[message.Key] = cap.Value.LimitReached;
        if (await submissions.MarkAggregatedAsync(toFold.Where(f => held.Contains(f.Message.Key)).Select(f => f.Submission).ToList(), ct) is { Count: > 0 } changed)
            await TakeBackChangedAsync(changed, participants, ct);
        return failures;
    }

    /// <summary>
    /// An erasure that landed after intake stored these submissions may have run before this fold added them to a
    /// history. The erasure marked them first, and this fold checks after writing, so one of the two always sees the
    /// other: whatever it added of an erased submission, it takes back here. So too a rejected one (a copy of a
    /// poisoned message): rejected never counts. Should this fold fail before it gets here, its retry does it.
    /// A row queued again since (a replay, whose message may have been folded away as a duplicate of this one) is
    /// counted now, so it is marked as it is now.
    /// </summary>
    private async Task TakeBackChangedAsync(IReadOnlyList<StoredSubmission> changed, IReadOnlyList<ParticipantState> written, CancellationToken ct)
    {
        var now = await Task.WhenAll(changed.Select(s => submissions.FindAsync(s.ServiceId, s.SubmissionId, ct)));
        foreach (var participant in changed.Zip(now).Where(x => x.Second is null or { Status: SubmissionStatus.Erased or SubmissionStatus.Rejected })
                     .GroupBy(x => (x.First.ServiceId, x.First.ParticipantHash), x => x.First.SubmissionId))
        {
            var (serviceId, hash) = participant.Key;
            var ours = written.First(p => p.ServiceId == serviceId && p.ParticipantHash == hash);
            await TakeBackAsync(serviceId, hash, participant.ToHashSet(StringComparer.Ordinal), ours.Months, ct);
        }
        if (await submissions.MarkAggregatedAsync(now.OfType<StoredSubmission>().Where(s => s.Status == SubmissionStatus.Queued).ToList(), ct) is { Count: > 0 } again)
            throw new InvalidOperationException($"{again.Count} submission(s) changed twice while being marked aggregated; trying again.");
    }

    /// <summary>
    /// Takes submissions back out of a participant's history and out of every month a fold wrote them to, even
    /// where the erasure removed the history and its rows meanwhile: the months are written again from what the
    /// history holds now, at a later version, and a history left empty is forgotten, rows and all.
    /// </summary>
    public async Task TakeBackAsync(string serviceId, string participantHash, IReadOnlyCollection<string> submissionIds, IReadOnlyCollection<string> monthsWritten, CancellationToken ct)
    {
        if (await ledger.TakeOutAsync(serviceId, participantHash, submissionIds, monthsWritten, ct) is { } state)
            await (state.History.Count == 0 ? ForgetAsync(state, ct) : ApplyToReportsAsync([state], ct));
    }

    /// <summary>
    /// Withdraws a participant whose history is now empty from every month they touched, then removes
    /// every row keyed by their pseudonym: nothing of an erased person stays behind.
    /// </summary>
    public async Task ForgetAsync(ParticipantState emptied, CancellationToken ct)
    {
        await ApplyToReportsAsync([emptied], ct);
        await reports.DeleteParticipantAsync(emptied, ct);
        await ledger.DeleteIfEmptyAsync(emptied.ServiceId, emptied.ParticipantHash, ct);
    }

    /// <summary>
    /// Writes every month the participants touch, one transaction per month for all of them, then asks the
    /// network to fold them (even months this try found already written: an earlier try may have written
    /// them and failed before asking).
    /// </summary>
    public async Task ApplyToReportsAsync(IReadOnlyList<ParticipantState> participants, CancellationToken ct)
    {
        var months = participants
            .SelectMany(p => p.Months.Select(month => (p.ServiceId, Month: month, Participant: p)))
            .GroupBy(x => (x.ServiceId, x.Month), x => x.Participant)
            .ToList();
        await Parallel.ForEachAsync(months, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct },
            async (month, token) => await reports.ApplyAsync(month.Key.ServiceId, month.Key.Month, month.ToList(), token));
        await Task.WhenAll(months.GroupBy(m => m.Key.ServiceId, m => m.Key.Month)
            .Select(service => network.MonthsChangedAsync(service.Key, service.ToList(), ct)));
    }

    private static MessageResult Parse(string text)
    {
        try
        {
            var message = JsonSerializer.Deserialize<SubmissionMessage>(text, DomainJson.Options);
            if (message is { ServiceId.Length: > 0, SubmissionId.Length: > 0 })
                return new MessageResult(null, message);
        }
        catch (JsonException)
        {
        }
        return new MessageResult("The message is not a submission reference ({\"serviceId\", \"submissionId\"}).", null);
    }
}
