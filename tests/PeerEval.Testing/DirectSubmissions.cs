using System.Text.Json;
using Azure.Data.Tables;
using PeerEval.Domain;
using PeerEval.Domain.Aggregation;
using PeerEval.Domain.Submissions;
using PeerEval.Functions.Storage;

namespace PeerEval.Testing;

/// <summary>
/// Submission rows written straight to storage, with the columns aggregation reads, but nothing queued: how
/// benchmarks and load tests put large volumes in place quickly, for a rebuild to aggregate.
/// </summary>
public static class DirectSubmissions
{
    public static TableEntity Row(string service, string participantHash, Observation observation) => new(service, observation.SubmissionId)
    {
        ["Participant"] = participantHash,
        ["Occasion"] = observation.Occasion.ToName(),
        ["CompletedOn"] = observation.CompletedOn.ToString("yyyy-MM-dd"),
        ["Observation"] = JsonSerializer.Serialize(observation, DomainJson.Options),
        ["Status"] = "queued",
    };

    /// <summary>Stores rows of one service a transaction of 100 at a time, a few transactions at once.</summary>
    public static Task StoreAsync(TableClient table, string service, IEnumerable<TableEntity> rows) =>
        Parallel.ForEachAsync(rows.Chunk(EntityGroup.MaxOperations), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (chunk, ct) =>
        {
            var group = new EntityGroup(service);
            foreach (var row in chunk)
                group.Add(TableTransactionActionType.UpsertReplace, row);
            await group.SubmitAsync(table, ct);
        });
}
