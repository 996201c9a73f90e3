using System.Globalization;

namespace PeerEval.Domain.Reports;

public enum Granularity { Month, Quarter, Year }

/// <summary>
/// A period a report can be asked for. Months are counted from year 0 (year * 12 + month - 1), so
/// period arithmetic never runs off the end of DateOnly, however late the year.
/// </summary>
public sealed record ReportPeriod(Granularity Granularity, string Name, int FirstMonth, int MonthCount)
{
    public int LastMonth => FirstMonth + MonthCount - 1;

    public IEnumerable<int> Months => Enumerable.Range(FirstMonth, MonthCount);

    public bool Contains(ReportPeriod other) => other.FirstMonth >= FirstMonth && other.LastMonth <= LastMonth;
}

/// <summary>
/// Calendar months, and quarters and years aligned to the month a service's year starts in
/// (4 gives the UK financial year: 2026-Q1 is April to June 2026, 2026 is April 2026 to March 2027).
/// </summary>
public sealed class ReportingCalendar
{
    public const int FirstYear = 1950;
    public const int LastYear = 9999;
    private static readonly int FirstValidMonth = MonthIndex(FirstYear, 1);
    private static readonly int LastValidMonth = MonthIndex(LastYear, 12);

    public ReportingCalendar(int yearStartMonth = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(yearStartMonth, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(yearStartMonth, 12);
        YearStartMonth = yearStartMonth;
    }

    public int YearStartMonth { get; }

    public static int MonthIndex(int year, int month) => year * 12 + month - 1;

    public static int MonthIndex(DateOnly date) => MonthIndex(date.Year, date.Month);

    /// <summary>The month as stored and shown: yyyy-MM.</summary>
    public static string MonthName(int monthIndex) =>
        string.Create(CultureInfo.InvariantCulture, $"{monthIndex / 12:D4}-{monthIndex % 12 + 1:D2}");

    public ReportPeriod Month(int monthIndex) => new(Granularity.Month, MonthName(monthIndex), monthIndex, 1);

    public ReportPeriod Quarter(int year, int quarter) => new(
        Granularity.Quarter, string.Create(CultureInfo.InvariantCulture, $"{year:D4}-Q{quarter}"), MonthIndex(year, YearStartMonth) + 3 * (quarter - 1), 3);

    public ReportPeriod Year(int year) =>
        new(Granularity.Year, year.ToString("D4", CultureInfo.InvariantCulture), MonthIndex(year, YearStartMonth), 12);

    /// <summary>The reporting year a month falls in: the one named after the calendar year it starts in.</summary>
    public ReportPeriod YearOf(int monthIndex) => Year((monthIndex - (YearStartMonth - 1)) / 12);

    public ReportPeriod Containing(Granularity granularity, int monthIndex)
    {
        if (granularity == Granularity.Month)
            return Month(monthIndex);
        var year = YearOf(monthIndex);
        return granularity == Granularity.Year ? year : Quarter(int.Parse(year.Name, CultureInfo.InvariantCulture), (monthIndex - year.FirstMonth) / 3 + 1);
    }

    /// <summary>The quarters of a year, then its months: every period a year's figures are published for below the year itself.</summary>
    public IEnumerable<ReportPeriod> PeriodsWithin(ReportPeriod year) =>
        Enumerable.Range(1, 4).Select(q => Quarter(int.Parse(year.Name, CultureInfo.InvariantCulture), q))
            .Concat(year.Months.Select(Month));

    /// <summary>Every period from one to the other, both included.</summary>
    public IEnumerable<ReportPeriod> Range(ReportPeriod from, ReportPeriod to)
    {
        for (var month = from.FirstMonth; month <= to.FirstMonth; )
        {
            var period = Containing(from.Granularity, month);
            yield return period;
            month = period.LastMonth + 1;
        }
    }

    /// <summary>Reads yyyy-MM, yyyy-Qn or yyyy as the granularity asks; false for anything else or past the calendar's ends.</summary>
    public bool TryParse(Granularity granularity, string? text, out ReportPeriod period)
    {
        period = null!;
        if (text is null || !int.TryParse(text.AsSpan(0, Math.Min(4, text.Length)), NumberStyles.None, CultureInfo.InvariantCulture, out var year)
            || text.Length < 4)
            return false;
        var rest = text.AsSpan(4);
        ReportPeriod? parsed = granularity switch
        {
            Granularity.Month when rest is ['-', >= '0' and <= '9', >= '0' and <= '9']
                && int.Parse(rest[1..], CultureInfo.InvariantCulture) is var month and >= 1 and <= 12 => Month(MonthIndex(year, month)),
            Granularity.Quarter when rest is ['-', 'Q', >= '1' and <= '4'] => Quarter(year, rest[2] - '0'),
            Granularity.Year when rest.IsEmpty => Year(year),
            _ => null,
        };
        if (parsed is null || parsed.FirstMonth < FirstValidMonth || parsed.LastMonth > LastValidMonth)
            return false;
        period = parsed;
        return true;
    }

    public static bool TryParseGranularity(string? text, out Granularity granularity)
    {
        granularity = Granularity.Month;
        switch (text)
        {
            case null or "" or "month": return true;
            case "quarter": granularity = Granularity.Quarter; return true;
            case "year": granularity = Granularity.Year; return true;
            default: return false;
        }
    }

    public static string NameOf(Granularity granularity) => granularity switch
    {
        Granularity.Quarter => "quarter",
        Granularity.Year => "year",
        _ => "month",
    };
}
