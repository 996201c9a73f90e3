using System.Text.Json.Serialization;

namespace PeerEval.Contracts;

/// <summary>One occasion's scores. Statistics are null when suppressed or when there are too few values for them.</summary>
public sealed record Cell(long N, long People, double? Mean, double? Sd, double? Median, double? Q1, double? Q3, bool Suppressed);

/// <summary>Baseline to one later occasion (follow-up or discharge): each participant's later score minus their latest earlier baseline.</summary>
public sealed record ChangeFigures(
    long Pairs, long People, double? MeanChange, double? SdChange, double? EffectSize,
    long? ReliablyImproved, long? ReliablyDeteriorated, bool Suppressed);

/// <param name="Respondent">Who answered: `person`, `peer-worker` or `staff`; each group's figures stand on their own.</param>
public sealed record InstrumentFigures(string Respondent, SortedDictionary<string, Cell> Occasions, SortedDictionary<string, ChangeFigures> Change);

public sealed record LengthOfStayFigures(
    long Stays, long People, double? MeanDays, double? SdDays, double? MedianDays, double? Q1Days, double? Q3Days, bool Suppressed);

public sealed record PeriodFigures(
    string Period,
    long Submissions,
    long Participants,
    SortedDictionary<string, InstrumentFigures> Instruments,
    LengthOfStayFigures LengthOfStay);

/// <summary>One part of a breakdown (`by` team, setting or peerWorker) with the same figures per period as the service.</summary>
public sealed record BreakdownFigures(string By, string Value, IReadOnlyList<PeriodFigures> Periods);

/// <summary>Pooled figures shown beside a service's own: `of` says which pool (`network`: every service that shares).</summary>
public sealed record BenchmarkFigures(string Of, IReadOnlyList<PeriodFigures> Periods);

public sealed record Report(
    string ServiceId,
    string Granularity,
    string From,
    string To,
    DateTimeOffset GeneratedAt,
    int MinCellSize,
    IReadOnlyList<PeriodFigures> Periods,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<BreakdownFigures>? Groups = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] BenchmarkFigures? Benchmark = null);
