using System.Globalization;
using System.Text;
using PeerEval.Domain.Reports;
using PeerEval.Contracts;

namespace PeerEval.Functions.Reports;

/// <summary>
/// The report as long-format CSV: one row per period and figure, so it filters and pivots cleanly in a
/// spreadsheet. Suppressed figures are empty cells, and each suppressed group says so in its own row.
/// </summary>
public static class ReportCsv
{
    public const string Header = "serviceId,period,instrument,occasion,figure,value";

    public static string Write(Report report)
    {
        var csv = new StringBuilder().Append(Header).Append("\r\n");
        foreach (var period in report.Periods)
            WriteFigures(csv, report.ServiceId, period.Period, period);
        WriteFigures(csv, report.ServiceId, "total", report.Total);
        return csv.ToString();
    }

    private static void WriteFigures(StringBuilder csv, string serviceId, string period, Figures figures)
    {
        void Row(string instrument, string occasion, string figure, object? value) =>
            csv.Append(Field(serviceId)).Append(',').Append(Field(period)).Append(',').Append(Field(instrument)).Append(',')
               .Append(Field(occasion)).Append(',').Append(figure).Append(',').Append(Format(value)).Append("\r\n");

        Row("", "", "submissions", figures.Submissions);
        Row("", "", "participants", figures.Participants);
        foreach (var (instrument, f) in figures.Instruments)
        {
            foreach (var (occasion, cell) in f.Occasions)
            {
                Row(instrument, occasion, "n", cell.N);
                Row(instrument, occasion, "mean", cell.Mean);
                Row(instrument, occasion, "sd", cell.Sd);
                Row(instrument, occasion, "median", cell.Median);
                Row(instrument, occasion, "q1", cell.Q1);
                Row(instrument, occasion, "q3", cell.Q3);
                Row(instrument, occasion, "min", cell.Min);
                Row(instrument, occasion, "max", cell.Max);
                Row(instrument, occasion, "suppressed", cell.Suppressed);
            }
            var c = f.Change;
            Row(instrument, "change", "pairs", c.Pairs);
            Row(instrument, "change", "meanChange", c.MeanChange);
            Row(instrument, "change", "sdChange", c.SdChange);
            Row(instrument, "change", "effectSize", c.EffectSize);
            Row(instrument, "change", "reliablyImproved", c.ReliablyImproved);
            Row(instrument, "change", "reliablyDeteriorated", c.ReliablyDeteriorated);
            Row(instrument, "change", "suppressed", c.Suppressed);
        }
        var s = figures.LengthOfStay;
        Row("", "lengthOfStay", "stays", s.Stays);
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
