using System.Text.Json.Serialization;

namespace PeerEval.Domain.Instruments;

public sealed record InstrumentItem(
    string Id,
    string Text,
    int Min,
    int Max,
    bool Reversed = false,
    string? Subscale = null,
    bool Scored = true)
{
    /// <summary>The value an answer counts as once reversal is applied.</summary>
    public int Keyed(int value) => Reversed ? Min + Max - value : value;
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
    IReadOnlyList<string>? AnswerLabels = null)
{
    /// <summary>The words a form shows for each point of an item's range, lowest first, where the definition gives them.</summary>
    public string? LabelFor(InstrumentItem item, int value) =>
        AnswerLabels is { } labels && labels.Count == item.Max - item.Min + 1 ? labels[value - item.Min] : null;

    public InstrumentItem? FindItem(string itemId) => Items.FirstOrDefault(i => i.Id == itemId);

    public IEnumerable<InstrumentItem> ScoredItems => Items.Where(i => i.Scored);
}
