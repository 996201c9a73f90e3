using PeerEval.Contracts;
using PeerEval.Domain.Submissions;

namespace PeerEval.Domain.Aggregation;

public enum FigureKind { Cell, Change, Stays }

/// <summary>
/// A set of figures published or suppressed together: one occasion's scores on one instrument
/// version, one kind of change on it, or length of stay. Disclosure control counts people per group.
/// </summary>
public sealed record FigureGroup(FigureKind Kind, string Instrument = "", string Occasion = "")
{
    public static readonly FigureGroup Stays = new(FigureKind.Stays);

    public static FigureGroup Cell(string instrument, Occasion occasion) => new(FigureKind.Cell, instrument, occasion.ToName());

    public static FigureGroup Change(string instrument, Occasion occasion) => new(FigureKind.Change, instrument, occasion.ToName());

    /// <summary>How an instrument version is named in reports: id@version.</summary>
    public static string InstrumentKey(string instrumentId, int version) => $"{instrumentId}@{version}";

    public static string InstrumentIdOf(string instrumentKey) => instrumentKey[..instrumentKey.LastIndexOf('@')];

    public string Key => Kind switch
    {
        FigureKind.Cell => $"cell|{Instrument}|{Occasion}",
        FigureKind.Change => $"change|{Instrument}|{Occasion}",
        _ => "stays",
    };

    public static FigureGroup Parse(string key)
    {
        var parts = key.Split('|');
        return parts switch
        {
            ["cell", var instrument, var occasion] => new(FigureKind.Cell, instrument, occasion),
            ["change", var instrument, var occasion] => new(FigureKind.Change, instrument, occasion),
            ["stays"] => Stays,
            _ => throw new FormatException($"'{key}' names no figure group."),
        };
    }
}
