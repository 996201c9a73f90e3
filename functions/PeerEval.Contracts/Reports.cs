using System.Text.Json.Serialization;

namespace PeerEval.Contracts;

public sealed record Cell(
    long N, double? Mean, double? Sd, double? Median, double? Q1, double? Q3, double? Min, double? Max, bool Suppressed);

public sealed record ChangeFigures(
    long Pairs, double? MeanChange, double? SdChange, double? EffectSize,
    long? ReliablyImproved, long? ReliablyDeteriorated, bool Suppressed);

public sealed record InstrumentFigures(SortedDictionary<string, Cell> Occasions, ChangeFigures Change);

public sealed record LengthOfStayFigures(
    long Stays, double? MeanDays, double? SdDays, double? MedianDays, double? Q1Days, double? Q3Days, bool Suppressed);

public record Figures(
    long Submissions,
    long Participants,
    SortedDictionary<string, InstrumentFigures> Instruments,
    LengthOfStayFigures LengthOfStay);

public sealed record PeriodFigures(
    [property: JsonPropertyOrder(-1)] string Period,
    long Submissions,
    long Participants,
    SortedDictionary<string, InstrumentFigures> Instruments,
    LengthOfStayFigures LengthOfStay) : Figures(Submissions, Participants, Instruments, LengthOfStay);

public sealed record Report(
    string ServiceId,
    string From,
    string To,
    DateTimeOffset GeneratedAt,
    int MinCellSize,
    IReadOnlyList<PeriodFigures> Periods,
    Figures Total);
