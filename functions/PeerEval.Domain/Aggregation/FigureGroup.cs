using PeerEval.Contracts;
using PeerEval.Domain.Submissions;

namespace PeerEval.Domain.Aggregation;

/// <summary>
/// `Active` exists only inside breakdowns: one value per submission and its people, which give a
/// group's `submissions` and `participants` (the service's own are kept in the month's totals).
/// </summary>
public enum FigureKind { Cell, Change, Stays, Active }

/// <summary>One part of a breakdown: the submissions whose context gave this value for the dimension.</summary>
/// <param name="Dimension">`team`, `setting` or `peerWorker` (and `service` in the network's pool).</param>
public sealed record Breakdown(string Dimension, string Value)
{
    public static readonly IReadOnlyList<string> Dimensions = ["team", "setting", "peerWorker"];

    /// <summary>What every key of this dimension starts with, so readers can fetch one dimension's rows.</summary>
    public static string PrefixOf(string dimension) => dimension + "=";

    /// <summary>What every key of this part starts with.</summary>
    public string KeyPrefix => $"{PrefixOf(Dimension)}{Value}|";

    /// <summary>The parts a submission's context puts it in: one per dimension it gives a value for.</summary>
    public static IEnumerable<Breakdown> Of(SupportContext? context)
    {
        if (context?.Team is { } team)
            yield return new("team", team);
        if (context?.Setting is { } setting)
            yield return new("setting", setting);
        if (context?.PeerWorker is { } peerWorker)
            yield return new("peerWorker", peerWorker);
    }
}

/// <summary>
/// A set of figures published or suppressed together: one occasion's scores on one instrument
/// version, one kind of change on it, or length of stay; for the whole service or, with
/// <see cref="Within"/>, for one part of a breakdown. Disclosure control counts people per group.
/// </summary>
public sealed record FigureGroup(FigureKind Kind, string Instrument = "", string Occasion = "", Breakdown? Within = null)
{
    public static readonly FigureGroup Stays = new(FigureKind.Stays);

    public static FigureGroup Cell(string instrument, Occasion occasion) => new(FigureKind.Cell, instrument, occasion.ToName());

    public static FigureGroup Change(string instrument, Occasion occasion) => new(FigureKind.Change, instrument, occasion.ToName());

    public static FigureGroup Active(Breakdown within) => new(FigureKind.Active, Within: within);

    public FigureGroup In(Breakdown? within) => this with { Within = within };

    /// <summary>The same figures for the whole service.</summary>
    public FigureGroup Whole => this with { Within = null };

    /// <summary>How an instrument version is named in reports: id@version.</summary>
    public static string InstrumentKey(string instrumentId, int version) => $"{instrumentId}@{version}";

    public static string InstrumentIdOf(string instrumentKey) => instrumentKey[..instrumentKey.LastIndexOf('@')];

    /// <summary>Whether a key names a figure of the whole service rather than of one part of a breakdown.</summary>
    public static bool IsWhole(string key) => !key.Contains('=');

    public string Key => Within is null ? BaseKey : Within.KeyPrefix + BaseKey;

    private string BaseKey => Kind switch
    {
        FigureKind.Cell => $"cell|{Instrument}|{Occasion}",
        FigureKind.Change => $"change|{Instrument}|{Occasion}",
        FigureKind.Active => "active",
        _ => "stays",
    };

    public static FigureGroup Parse(string key)
    {
        Breakdown? within = null;
        var separator = key.IndexOf('|');
        var equals = key.IndexOf('=');
        if (equals > 0 && (separator < 0 || equals < separator))
        {
            within = new Breakdown(key[..equals], key[(equals + 1)..separator]);
            key = key[(separator + 1)..];
        }
        var parts = key.Split('|');
        return parts switch
        {
            ["cell", var instrument, var occasion] => new(FigureKind.Cell, instrument, occasion, within),
            ["change", var instrument, var occasion] => new(FigureKind.Change, instrument, occasion, within),
            ["stays"] => Stays with { Within = within },
            ["active"] when within is not null => Active(within),
            _ => throw new FormatException($"'{key}' names no figure group."),
        };
    }
}
