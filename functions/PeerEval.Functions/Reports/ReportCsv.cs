using System.Globalization;
using System.Text;
using PeerEval.Domain.Reports;
using PeerEval.Contracts;

namespace PeerEval.Functions.Reports;

/// <summary>
/// The report as long-format CSV: one row per period and figure, so it filters and pivots cleanly in a
/// spreadsheet. `group` names the figure group: an occasion (baseline, followup, discharge), a change
/// (change:followup, change:discharge) or lengthOfStay; it is empty for the period's counts and for an
/// instrument's `respondent` (person, peer-worker or staff). Suppressed
/// figures are empty cells, and each group says whether it is suppressed in a row of its own.
/// With a breakdown, each part's rows follow the service's, naming the dimension in `by` and the
/// value in `part` (both empty for the service's own rows); they come last so columns keep their place.
/// </summary>
public static class ReportCsv
{
    public const string Header = "serviceId,granularity,period,instrument,group,figure,value,by,part";

    public static IResult Respond(Report report) => TypedResults.Text(Write(report), "text/csv; charset=utf-8");

    public static string Write(Report report)
    {
        var csv = new StringBuilder().Append(Header).Append("\r\n");
        foreach (var period in report.Periods)
            WriteFigures(csv, report, period, null);
        foreach (var part in report.Groups ?? [])
            foreach (var period in part.Periods)
                WriteFigures(csv, report, period, part);
        return csv.ToString();
    }

    private static void WriteFigures(StringBuilder csv, Report report, PeriodFigures figures, BreakdownFigures? part)
    {
        void Row(string instrument, string group, string figure, object? value) =>
            csv.Append(Field(report.ServiceId)).Append(',').Append(report.Granularity).Append(',').Append(Field(figures.Period)).Append(',')
               .Append(Field(instrument)).Append(',').Append(Field(group)).Append(',').Append(figure).Append(',').Append(Format(value)).Append(',')
               .Append(Field(part?.By ?? "")).Append(',').Append(Field(part?.Value ?? "")).Append("\r\n");

        Row("", "", "submissions", figures.Submissions);
        Row("", "", "participants", figures.Participants);
        foreach (var (instrument, f) in figures.Instruments)
        {
            Row(instrument, "", "respondent", f.Respondent);
            foreach (var (occasion, cell) in f.Occasions)
            {
                Row(instrument, occasion, "n", cell.N);
                Row(instrument, occasion, "people", cell.People);
                Row(instrument, occasion, "mean", cell.Mean);
                Row(instrument, occasion, "sd", cell.Sd);
                Row(instrument, occasion, "median", cell.Median);
                Row(instrument, occasion, "q1", cell.Q1);
                Row(instrument, occasion, "q3", cell.Q3);
                Row(instrument, occasion, "suppressed", cell.Suppressed);
            }
            foreach (var (occasion, c) in f.Change)
            {
                var group = $"change:{occasion}";
                Row(instrument, group, "pairs", c.Pairs);
                Row(instrument, group, "people", c.People);
                Row(instrument, group, "meanChange", c.MeanChange);
                Row(instrument, group, "sdChange", c.SdChange);
                Row(instrument, group, "effectSize", c.EffectSize);
                Row(instrument, group, "reliablyImproved", c.ReliablyImproved);
                Row(instrument, group, "reliablyDeteriorated", c.ReliablyDeteriorated);
                Row(instrument, group, "suppressed", c.Suppressed);
            }
        }
        var s = figures.LengthOfStay;
        Row("", "lengthOfStay", "stays", s.Stays);
        Row("", "lengthOfStay", "people", s.People);
        Row("", "lengthOfStay", "meanDays", s.MeanDays);
        Row("", "lengthOfStay", "sdDays", s.SdDays);
        Row("", "lengthOfStay", "medianDays", s.MedianDays);
        Row("", "lengthOfStay", "q1Days", s.Q1Days);
        Row("", "lengthOfStay", "q3Days", s.Q3Days);
        Row("", "lengthOfStay", "suppressed", s.Suppressed);
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Field(value.ToString() ?? ""),
    };

    /// <summary>Quotes where needed, and defuses text a spreadsheet would run as a formula.</summary>
    private static string Field(string text)
    {
        if (text.Length > 0 && "=+-@\t\r".Contains(text[0]))
            text = "'" + text;
        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
    }
}
