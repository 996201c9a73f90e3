using Azure.Data.Tables;
using PeerEval.Domain.Aggregation;
using PeerEval.Functions.Submissions;

namespace PeerEval.Functions.Aggregation;

public sealed record RebuildSummary(string ServiceId, int Submissions, int Participants);

/// <summary>
/// Rebuilds a service's reports from its stored submissions alone (neither erased nor rejected): drops every report row, replaces
/// each participant's history as a new version, and writes the months again. An admin repair, meant
/// for when the queue is quiet.
/// </summary>
public sealed class Rebuilder(SubmissionStore store, ParticipantLedger ledger, ReportRows reports, Aggregator aggregator, Network.NetworkFeed network)
{
    public async Task<RebuildSummary> RebuildAsync(string serviceId, CancellationToken ct)
    {
        var histories = new Dictionary<string, List<Observation>>(StringComparer.Ordinal);
        var submissions = 0;
        await foreach (var submission in store.ListAsync(serviceId, ct))
        {
            // Rejected never counts: live aggregation withdraws a submission when it is poisoned.
            if (submission.Status is SubmissionStatus.Erased or SubmissionStatus.Rejected || submission.Observation is null)
                continue;
            (histories.TryGetValue(submission.ParticipantHash, out var list) ? list : histories[submission.ParticipantHash] = []).Add(submission.Observation);
            submissions++;
        }

        var deleted = await reports.DeleteAllAsync(serviceId, ct);
        var hashes = histories.Keys.ToHashSet(StringComparer.Ordinal);
        await foreach (var participant in ledger.ListAsync(serviceId, ct))
            hashes.Add(participant.ParticipantHash);

        var participants = new System.Collections.Concurrent.ConcurrentBag<ParticipantState>();
        await Parallel.ForEachAsync(hashes, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (hash, token) =>
            participants.Add(await ledger.ResetAsync(serviceId, hash, histories.GetValueOrDefault(hash) ?? [], token)));
        await aggregator.ApplyToReportsAsync(participants.Where(p => p.History.Count > 0).ToList(), ct);
        // A history left with nothing (someone erased, whose row a failed step left behind) goes, rows and all.
        await Parallel.ForEachAsync(participants.Where(p => p.History.Count == 0), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (emptied, token) => await aggregator.ForgetAsync(emptied, token));
        // Months written again were sent to the network as they were written; those left empty are sent here.
        await network.MonthsDeletedAsync(serviceId, deleted, ct);
        return new RebuildSummary(serviceId, submissions, histories.Count);
    }
}
