using System.Text.Json.Serialization;

namespace PeerEval.Domain.Instruments;

public sealed record InstrumentItem(
    string Id,
    string Text,
    int Min,
    int Max,
    bool Reversed = false,
    string? Subscale = null,
    bool Scored = true,
    bool Count = false)
{
    // Count: a number of days or times (say, in the last four weeks), asked as a number rather than as a scale.

    /// <summary>The value an answer counts as once reversal is applied.</summary>
    public int Keyed(int value) => Reversed ? Min + Max - value : value;
}

/// <summary>Who answers an instrument; each group's figures are reported on their own.</summary>
public enum Respondent
{
    /// <summary>Someone the service supports.</summary>
    [JsonStringEnumMemberName("person")] Person,
    /// <summary>A peer worker, about their own recovery and their work.</summary>
    [JsonStringEnumMemberName("peer-worker")] PeerWorker,
    /// <summary>A member of the team a peer worker joins.</summary>
    [JsonStringEnumMemberName("staff")] Staff,
}

public static class Respondents
{
    public static string ToName(this Respondent respondent) => respondent switch
    {
        Respondent.PeerWorker => "peer-worker",
        Respondent.Staff => "staff",
        _ => "person",
    };
}

public enum ScoringMethod
{
    [JsonStringEnumMemberName("sum")] Sum,
    [JsonStringEnumMemberName("mean")] Mean,
}

public sealed record InstrumentScoring(
    [property: JsonConverter(typeof(JsonStringEnumConverter<ScoringMethod>))] ScoringMethod Method,
    int ProrateMaxMissing,
    IReadOnlyList<string>? Subscales = null);

/// <summary>Published test-retest parameters for the Jacobson-Truax reliable change index.</summary>
public sealed record ReliableChangeParameters(double Sd, double Reliability)
{
    public double Threshold => 1.96 * Sd * Math.Sqrt(2) * Math.Sqrt(1 - Reliability);
}

public sealed record InstrumentDefinition(
    string Id,
    int Version,
    string Title,
    bool HigherIsBetter,
    IReadOnlyList<InstrumentItem> Items,
    InstrumentScoring Scoring,
    ReliableChangeParameters? ReliableChange = null,
    string? Notice = null,
    IReadOnlyList<string>? AnswerLabels = null,
    [property: JsonConverter(typeof(JsonStringEnumConverter<Respondent>))] Respondent Respondent = Respondent.Person)
{
    /// <summary>The words a form shows for each point of an item's range, lowest first, where the definition gives them.</summary>
    public string? LabelFor(InstrumentItem item, int value) =>
        AnswerLabels is { } labels && labels.Count == item.Max - item.Min + 1 ? labels[value - item.Min] : null;

    public InstrumentItem? FindItem(string itemId) => Items.FirstOrDefault(i => i.Id == itemId);

    public IEnumerable<InstrumentItem> ScoredItems => Items.Where(i => i.Scored);
}
