using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using PeerEval.Contracts;

namespace PeerEval.Functions.Dashboard;

/// <summary>One plot of the report and the table of the figures it draws, for screen readers and copying.</summary>
/// <param name="Id">Stable for a report's shape: the page's anchors and the SVG download name it.</param>
public sealed record Plot(string Id, string Title, string Svg, string Table);

/// <summary>What one period contributes to a quartile plot: the box, or the reason there is none.</summary>
internal sealed record QuartilePoint(string Period, long N, double? Median, double? Q1, double? Q3, string? Gap);

/// <summary>What one period contributes to a change plot: reliable change counts, or the reason there are none.</summary>
internal sealed record ChangePoint(string Period, long Pairs, long? Improved, long? Deteriorated, string? Gap);

/// <summary>
/// The report drawn as SVG by hand on the server: no script, no native libraries, nothing loaded from
/// elsewhere. Shapes carry presentation attributes rather than CSS, so a downloaded SVG looks the same
/// on its own. Every plot is built from the report alone, so it shows exactly what the report shows;
/// a period without figures (suppressed, or nothing to show) is a gap that says why.
/// </summary>
public static class DashboardPlots
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;
    private static readonly string[] Occasions = ["baseline", "followup", "discharge"];
    private static readonly string[] Changes = ["followup", "discharge"];

    private const int Width = 720, Height = 340, Left = 60, Right = 16, Top = 34, Bottom = 74;
    private const string Ink = "#0b0c0c", Muted = "#505a5f", Accent = "#1d5fa8", Good = "#00703c", Bad = "#b3261e", GapFill = "#f3f2f1";

    /// <summary>Every plot of the report, in page order; <paramref name="titles"/> names instruments by their id.</summary>
    /// <param name="part">One part of a breakdown: its plots take ids and titles of their own.</param>
    public static IReadOnlyList<Plot> All(Report report, Func<string, string> titles, BreakdownFigures? part = null)
    {
        var (idPrefix, titlePrefix) = part is null ? ("", "") : (PartId(part), PartTitle(part) + ": ");
        if (part is not null)
            report = report with { Periods = part.Periods, Groups = null };
        var plots = new List<Plot>();
        var instruments = report.Periods.SelectMany(p => p.Instruments.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var instrument in instruments)
        {
            var name = titles(instrument);
            var slug = instrument.Replace("@", "-v", StringComparison.Ordinal);
            foreach (var occasion in Occasions)
            {
                var cells = report.Periods.Select(p => (p.Period, Cell: p.Instruments.GetValueOrDefault(instrument)?.Occasions.GetValueOrDefault(occasion))).ToList();
                if (cells.All(c => c.Cell is null))
                    continue;
                var points = cells.Select(c => c.Cell is { } cell
                    ? new QuartilePoint(c.Period, cell.N, cell.Median, cell.Q1, cell.Q3, GapReason(cell.Suppressed, cell.People, cell.N, cell.Median, report.MinCellSize, "scores"))
                    : new QuartilePoint(c.Period, 0, null, null, null, "No scores")).ToList();
                var rows = cells.Select(c => (c.Period, Cells: c.Cell is { } cell
                    ? [N(cell.N), N(cell.People), D(cell.Median), D(cell.Q1), D(cell.Q3), D(cell.Mean), D(cell.Sd)]
                    : Enumerable.Repeat("", 7).ToArray(), Gap: points.First(p => p.Period == c.Period).Gap)).ToList();
                var id = $"{idPrefix}{slug}-{occasion}";
                var title = $"{titlePrefix}{name}: {OccasionName(occasion)} scores";
                plots.Add(new Plot(id, title,
                    QuartileSvg(id, title, "Score", "n", points),
                    Table(id, title, ["n", "people", "median", "q1", "q3", "mean", "sd"], ["Scores (n)", "People", "Median", "Lower quartile", "Upper quartile", "Mean", "SD"], rows)));
            }
            foreach (var occasion in Changes)
            {
                var changes = report.Periods.Select(p => (p.Period, Change: p.Instruments.GetValueOrDefault(instrument)?.Change.GetValueOrDefault(occasion))).ToList();
                if (changes.All(c => c.Change is null))
                    continue;
                var points = changes.Select(c => c.Change is { } change
                    ? new ChangePoint(c.Period, change.Pairs, change.ReliablyImproved, change.ReliablyDeteriorated,
                        GapReason(change.Suppressed, change.People, change.Pairs, change.ReliablyImproved, report.MinCellSize, "pairs", "This instrument has no reliable change criterion"))
                    : new ChangePoint(c.Period, 0, null, null, "No pairs")).ToList();
                var rows = changes.Select(c => (c.Period, Cells: c.Change is { } change
                    ? [N(change.Pairs), N(change.People), D(change.MeanChange), D(change.SdChange), D(change.EffectSize), N(change.ReliablyImproved), N(change.ReliablyDeteriorated)]
                    : Enumerable.Repeat("", 7).ToArray(), Gap: points.First(p => p.Period == c.Period).Gap)).ToList();
                var id = $"{idPrefix}{slug}-change-{occasion}";
                var title = $"{titlePrefix}{name}: change from baseline to {OccasionName(occasion)}";
                plots.Add(new Plot(id, title,
                    ChangeSvg(id, title, points),
                    Table(id, title, ["pairs", "people", "meanChange", "sdChange", "effectSize", "reliablyImproved", "reliablyDeteriorated"],
                        ["Pairs", "People", "Mean change", "SD of change", "Effect size", "Reliably improved", "Reliably deteriorated"], rows)));
            }
        }

        if (report.Periods.Any(p => p.LengthOfStay.Stays > 0))
        {
            var points = report.Periods.Select(p => new QuartilePoint(p.Period, p.LengthOfStay.Stays, p.LengthOfStay.MedianDays, p.LengthOfStay.Q1Days, p.LengthOfStay.Q3Days,
                GapReason(p.LengthOfStay.Suppressed, p.LengthOfStay.People, p.LengthOfStay.Stays, p.LengthOfStay.MedianDays, report.MinCellSize, "stays"))).ToList();
            var rows = report.Periods.Select((p, i) => (p.Period, Cells: new[]
            {
                N(p.LengthOfStay.Stays), N(p.LengthOfStay.People), D(p.LengthOfStay.MedianDays), D(p.LengthOfStay.Q1Days), D(p.LengthOfStay.Q3Days),
                D(p.LengthOfStay.MeanDays), D(p.LengthOfStay.SdDays),
            }, points[i].Gap)).ToList();
            var title = $"{titlePrefix}Length of stay (days), by month of discharge";
            var id = $"{idPrefix}length-of-stay";
            plots.Add(new Plot(id, title, QuartileSvg(id, title, "Days", "stays", points),
                Table(id, title, ["stays", "people", "medianDays", "q1Days", "q3Days", "meanDays", "sdDays"],
                    ["Stays", "People", "Median days", "Lower quartile", "Upper quartile", "Mean days", "SD of days"], rows)));
        }
        return plots;
    }

    /// <summary>Submissions and participants per period: counts, never suppressed, so a table is enough.</summary>
    public static string CountsTable(Report report, BreakdownFigures? part = null) =>
        Table(part is null ? "counts" : PartId(part) + "counts", part is null ? "Submissions and participants" : $"{PartTitle(part)}: submissions and participants",
            ["submissions", "participants"], ["Submissions", "Participants"],
            (part?.Periods ?? report.Periods).Select(p => (p.Period, new[] { N(p.Submissions), N(p.Participants) }, (string?)null)));

    /// <summary>How a part of a breakdown is named on the page: "Team ward-3", "Setting inpatient", "Peer worker pw-07".</summary>
    public static string PartTitle(BreakdownFigures part) => part.By switch
    {
        "peerWorker" => "Peer worker",
        var by => char.ToUpperInvariant(by[0]) + by[1..],
    } + " " + part.Value;

    public static string PartId(BreakdownFigures part) => $"{part.By}-{part.Value}-";

    /// <summary>A standalone SVG file of a plot, as it is downloaded.</summary>
    public static string Standalone(Plot plot) => "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + plot.Svg;

    public static string OccasionName(string occasion) => occasion == "followup" ? "follow-up" : occasion;

    /// <summary>
    /// Why a figure group has no statistics to draw; null when it has. Suppression says which rule did
    /// it: too few people, or protecting another suppressed figure from subtraction.
    /// </summary>
    private static string? GapReason(bool suppressed, long people, long count, object? statistic, int minCellSize, string counted, string? noStatistic = null) =>
        // An empty group is suppressed too (0 people is below k), but "nothing there" is the truer reason.
        count == 0 ? $"No {counted}"
        : suppressed ? (people < minCellSize
                ? $"Suppressed: fewer than {minCellSize} people"
                : "Suppressed so that other suppressed figures cannot be worked out")
        : statistic is null ? noStatistic ?? $"Too few {counted}"
        : null;

    private static string QuartileSvg(string id, string title, string axis, string counted, IReadOnlyList<QuartilePoint> points)
    {
        var values = points.Where(p => p.Gap is null).SelectMany(p => new[] { p.Q1, p.Median, p.Q3 }).OfType<double>().ToList();
        var (low, high, step) = Scale(values.DefaultIfEmpty(0).Min(), values.DefaultIfEmpty(1).Max());
        var svg = Start(id, title, $"Median and quartiles of {axis.ToLowerInvariant()} for each period, with the number of {counted}; the table below gives every figure.");
        Axes(svg, axis, low, high, step, points.Select(p => p.Period).ToList(), points.Select(p => p.N).ToList(), counted);
        double Y(double v) => Top + (1 - (v - low) / (high - low)) * (Height - Top - Bottom);
        var band = Band(points.Count);
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            var x = Left + band * (i + 0.5);
            if (p.Gap is not null || p.Median is not { } median)
            {
                Gap(svg, p.Period, p.Gap ?? "No figures", x, band);
                continue;
            }
            svg.Append($"""<g data-period="{E(p.Period)}"><title>{E(p.Period)}: median {D(median)}, quartiles {D(p.Q1)} to {D(p.Q3)}, {counted} {p.N}</title>""");
            if (p.Q1 is { } q1 && p.Q3 is { } q3)
            {
                var cap = Math.Min(8, band / 4);
                svg.Append($"""<line x1="{R(x)}" y1="{R(Y(q1))}" x2="{R(x)}" y2="{R(Y(q3))}" stroke="{Accent}" stroke-width="3"/>""");
                svg.Append($"""<line x1="{R(x - cap)}" y1="{R(Y(q1))}" x2="{R(x + cap)}" y2="{R(Y(q1))}" stroke="{Accent}" stroke-width="2"/>""");
                svg.Append($"""<line x1="{R(x - cap)}" y1="{R(Y(q3))}" x2="{R(x + cap)}" y2="{R(Y(q3))}" stroke="{Accent}" stroke-width="2"/>""");
            }
            svg.Append($"""<circle cx="{R(x)}" cy="{R(Y(median))}" r="5" fill="{Ink}"/></g>""");
        }
        svg.Append($"""<g font-size="13" fill="{Ink}"><circle cx="{Left + 8}" cy="16" r="5" fill="{Ink}"/><text x="{Left + 18}" y="20">median</text>""");
        svg.Append($"""<line x1="{Left + 90}" y1="9" x2="{Left + 90}" y2="23" stroke="{Accent}" stroke-width="3"/><text x="{Left + 100}" y="20">lower to upper quartile</text></g>""");
        return svg.Append("</svg>").ToString();
    }

    private static string ChangeSvg(string id, string title, IReadOnlyList<ChangePoint> points)
    {
        var most = points.Where(p => p.Gap is null).SelectMany(p => new[] { p.Improved ?? 0, p.Deteriorated ?? 0 }).DefaultIfEmpty(1).Max();
        // Whole people: at least 0 to 5, so the steps are never fractions of a person.
        var (_, high, step) = Scale(0, Math.Max(5, most));
        var svg = Start(id, title, "People who reliably improved (above the line) and reliably deteriorated (below it) in each period, with the number of pairs; the table below gives every figure.");
        // Improvement above zero, deterioration below: the axis runs from -high to high.
        Axes(svg, "People", -high, high, step, points.Select(p => p.Period).ToList(), points.Select(p => p.Pairs).ToList(), "pairs");
        double Y(double v) => Top + (1 - (v + high) / (2 * high)) * (Height - Top - Bottom);
        var band = Band(points.Count);
        var bar = Math.Max(2, band * 0.6);
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            var x = Left + band * (i + 0.5);
            if (p.Gap is not null)
            {
                Gap(svg, p.Period, p.Gap, x, band);
                continue;
            }
            long up = p.Improved ?? 0, down = p.Deteriorated ?? 0;
            svg.Append($"""<g data-period="{E(p.Period)}"><title>{E(p.Period)}: {up} reliably improved, {down} reliably deteriorated, of {p.Pairs} pairs</title>""");
            svg.Append($"""<rect x="{R(x - bar / 2)}" y="{R(Y(up))}" width="{R(bar)}" height="{R(Y(0) - Y(up))}" fill="{Good}"/>""");
            svg.Append($"""<rect x="{R(x - bar / 2)}" y="{R(Y(0))}" width="{R(bar)}" height="{R(Y(-down) - Y(0))}" fill="{Bad}"/></g>""");
        }
        svg.Append($"""<line x1="{Left}" y1="{R(Y(0))}" x2="{Width - Right}" y2="{R(Y(0))}" stroke="{Ink}" stroke-width="1.5"/>""");
        svg.Append($"""<g font-size="13" fill="{Ink}"><rect x="{Left + 2}" y="9" width="12" height="12" fill="{Good}"/><text x="{Left + 20}" y="20">reliably improved (up)</text>""");
        svg.Append($"""<rect x="{Left + 190}" y="9" width="12" height="12" fill="{Bad}"/><text x="{Left + 208}" y="20">reliably deteriorated (down)</text></g>""");
        return svg.Append("</svg>").ToString();
    }

    private static StringBuilder Start(string id, string title, string description) => new($"""
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {Width} {Height}" width="{Width}" height="{Height}" role="img" aria-labelledby="{E(id)}-svg-title {E(id)}-svg-desc" font-family="system-ui, sans-serif"><title id="{E(id)}-svg-title">{E(title)}</title><desc id="{E(id)}-svg-desc">{E(description)}</desc><rect width="{Width}" height="{Height}" fill="#ffffff"/>
        """);

    private static double Band(int count) => (double)(Width - Left - Right) / Math.Max(1, count);

    /// <summary>Gridlines and value labels, period labels (thinned to fit) and, where there is room, each period's count.</summary>
    private static void Axes(StringBuilder svg, string axis, double low, double high, double step, IReadOnlyList<string> periods, IReadOnlyList<long> counts, string counted)
    {
        double Y(double v) => Top + (1 - (v - low) / (high - low)) * (Height - Top - Bottom);
        svg.Append($"""<g font-size="12" fill="{Muted}">""");
        for (var v = low; v <= high + step / 2; v += step)
        {
            svg.Append($"""<line x1="{Left}" y1="{R(Y(v))}" x2="{Width - Right}" y2="{R(Y(v))}" stroke="#dddddd"/>""");
            svg.Append($"""<text x="{Left - 6}" y="{R(Y(v) + 4)}" text-anchor="end">{D(Math.Round(Math.Abs(v), 6))}</text>""");
        }
        svg.Append($"""<text transform="translate(14 {R((Top + Height - Bottom) / 2.0)}) rotate(-90)" text-anchor="middle" fill="{Ink}">{E(axis)}</text>""");
        var band = Band(periods.Count);
        var every = (int)Math.Ceiling(periods.Count / 12.0);
        var showCounts = band >= 28;
        for (var i = 0; i < periods.Count; i++)
        {
            var x = Left + band * (i + 0.5);
            if (i % every == 0)
                svg.Append($"""<text x="{R(x)}" y="{Height - Bottom + 18}" text-anchor="middle" fill="{Ink}">{E(periods[i])}</text>""");
            if (showCounts)
                svg.Append($"""<text x="{R(x)}" y="{Height - Bottom + 38}" text-anchor="middle">{counts[i]}</text>""");
        }
        if (showCounts)
            svg.Append($"""<text x="{Left - 6}" y="{Height - Bottom + 38}" text-anchor="end">{E(counted)}</text>""");
        svg.Append($"""<text x="{Left}" y="{Height - 8}">{(showCounts ? "" : $"The number of {E(counted)} in each period is in the table. ")}Grey bands are periods with nothing to show.</text></g>""");
    }

    private static void Gap(StringBuilder svg, string period, string reason, double x, double band)
    {
        svg.Append($"""<g data-gap="{E(period)}"><title>{E(period)}: {E(reason)}</title><rect x="{R(x - band / 2 + 1)}" y="{Top}" width="{R(Math.Max(1, band - 2))}" height="{Height - Top - Bottom}" fill="{GapFill}"/>""");
        if (band >= 18)
            svg.Append($"""<text transform="translate({R(x + 4)} {Height - Bottom - 8}) rotate(-90)" font-size="12" fill="{Muted}">{E(ShortReason(reason))}</text>""");
        svg.Append("</g>");
    }

    private static string ShortReason(string reason) => reason.StartsWith("Suppressed", StringComparison.Ordinal) ? "suppressed" : "no figures";

    /// <summary>An axis from a little below the lowest value to a little above the highest, in round steps.</summary>
    private static (double Low, double High, double Step) Scale(double min, double max)
    {
        if (max - min < 1e-9)
            (min, max) = (min - 1, max + 1);
        var rough = (max - min) / 5;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(s => s >= rough);
        return (Math.Floor(min / step) * step, Math.Ceiling(max / step) * step, step);
    }

    private static string Table(string id, string title, string[] figures, string[] headings, IEnumerable<(string Period, string[] Cells, string? Gap)> rows)
    {
        var table = new StringBuilder($"""
            <div class="table-wrap" role="region" aria-labelledby="{E(id)}-caption" tabindex="0"><table id="{E(id)}-table"><caption id="{E(id)}-caption">{E(title)}: figures</caption>
            <thead><tr><th scope="col">Period</th>
            """);
        foreach (var (figure, heading) in figures.Zip(headings))
            table.Append($"""<th scope="col" data-figure="{figure}">{E(heading)}</th>""");
        table.Append("""<th scope="col">Note</th></tr></thead><tbody>""");
        foreach (var (period, cells, gap) in rows)
        {
            table.Append($"""<tr data-period="{E(period)}"><th scope="row">{E(period)}</th>""");
            foreach (var (cell, figure) in cells.Zip(figures))
                table.Append($"""<td data-figure="{figure}">{E(cell)}</td>""");
            table.Append($"""<td>{E(gap ?? "")}</td></tr>""");
        }
        return table.Append("</tbody></table></div>").ToString();
    }

    private static string N(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static string D(double? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static string R(double value) => Math.Round(value, 1).ToString(CultureInfo.InvariantCulture);

    private static string E(string text) => Html.Encode(text);
}
