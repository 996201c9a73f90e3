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
public sealed class Aggregator(SubmissionStore submissions, ParticipantLedger ledger, ReportRows reports, Network.NetworkFeed network, ILogger<Aggregator> logger)
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
        // What intake carried in the message is not read back; a bare reference (a replay) is.
        var loaded = await Task.WhenAll(messages.Select(async m => (Message: m, Submission: m.Carried ?? await submissions.FindAsync(m.ServiceId, m.SubmissionId, ct))));

        var toFold = new List<StoredSubmission>();
        foreach (var (message, submission) in loaded)
        {
            if (submission is null)
                failures[message.Key] = "No stored submission matches this message.";
            else if (submission.Status == SubmissionStatus.Erased)
                continue; // erased after it was queued: nothing left to count
            else if (submission.Observation is null)
                failures[message.Key] = "The stored submission has no observation to aggregate.";
            else
                toFold.Add(submission);
        }

        // A person is taken as new only if every message of theirs in the batch came from intake finding no history.
        var newcomer = loaded.Where(l => l.Submission is not null).ToLookup(l => (l.Message.ServiceId, l.Submission!.ParticipantHash), l => l.Message.NewParticipant && l.Message.Carried is not null);
        var participants = (await Task.WhenAll(toFold.GroupBy(s => s.ServiceId).Select(service => ledger.RecordAllAsync(service.Key,
            service.GroupBy(s => s.ParticipantHash)
                .Select(p => (p.Key, (IReadOnlyList<Domain.Aggregation.Observation>)p.Select(s => s.Observation!).ToList(), newcomer[(service.Key, p.Key)].All(n => n)))
                .ToList(), ct)))).SelectMany(p => p).ToList();

        await ApplyToReportsAsync(participants, ct);
        if (await submissions.MarkAggregatedAsync(toFold, ct) is { Count: > 0 } changed)
            await TakeBackErasedAsync(changed, participants, ct);
        return failures;
    }

    /// <summary>
    /// An erasure that landed after these submissions were read (or, for what the message carried, after
    /// intake stored them) may have run before this fold added them to a history. The erasure marked them
    /// first, and this fold checks after writing, so one of the two always sees the other: whatever it added
    /// of an erased submission, it takes back here. So too a rejected one (a stray copy of a poisoned
    /// message): rejected never counts.
    /// </summary>
    private async Task TakeBackErasedAsync(IReadOnlyList<StoredSubmission> changed, IReadOnlyList<ParticipantState> written, CancellationToken ct)
    {
        var now = await Task.WhenAll(changed.Select(s => submissions.FindAsync(s.ServiceId, s.SubmissionId, ct)));
        foreach (var participant in changed.Zip(now).Where(x => x.Second is null or { Status: SubmissionStatus.Erased or SubmissionStatus.Rejected })
                     .GroupBy(x => (x.First.ServiceId, x.First.ParticipantHash), x => x.First.SubmissionId))
        {
            var (serviceId, hash) = participant.Key;
            if (!await ledger.ExistsAsync(serviceId, hash, ct))
            {
                // The erasure finished (and removed the person's rows) before this fold wrote its months:
                // withdraw what this fold wrote, as a version after it, and remove the rows again.
                var ours = written.First(p => p.ServiceId == serviceId && p.ParticipantHash == hash);
                await ForgetAsync(new ParticipantState(serviceId, hash, ours.Version + 1, [], ours.Months), ct);
            }
            else if (await ledger.RemoveAsync(serviceId, hash, participant.ToHashSet(), ct) is { } state)
            {
                await (state.History.Count == 0 ? ForgetAsync(state, ct) : ApplyToReportsAsync([state], ct));
            }
        }
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
    /// Takes a rejected submission back out of its participant's history and the months it touched:
    /// rejected never counts, live or in a rebuild.
    /// </summary>
    public async Task WithdrawAsync(string serviceId, string submissionId, CancellationToken ct)
    {
        if (await submissions.FindAsync(serviceId, submissionId, ct) is not { } submission)
            return;
        if (await ledger.RemoveAsync(serviceId, submission.ParticipantHash, [submissionId], ct) is { } participant)
            await ApplyToReportsAsync([participant], ct);
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
