using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PeerEval.Bench;

/// <summary>One measurement of a row: its value against the baseline measured beside it.</summary>
public sealed record Figure(string Name, double Value, string Unit, double Baseline, string BaselineName, double? Target, bool HigherIsBetter, string Note = "");

/// <summary>A row over the bench's runs: min, median and max of value and baseline; the ratio and verdict use the medians.</summary>
public sealed class Row(IReadOnlyList<Figure> samples)
{
    private readonly Figure _median = samples.OrderBy(f => f.Value).ElementAt((samples.Count - 1) / 2);

    public Figure First => samples[0];
    public IReadOnlyList<double> Values { get; } = samples.Select(f => f.Value).Order().ToList();
    public IReadOnlyList<double> Baselines { get; } = samples.Select(f => f.Baseline).Order().ToList();
    public double Value => Median(Values);
    public double Baseline => Median(Baselines);
    public double Ratio => Baseline == 0 ? double.NaN : Value / Baseline;

    /// <summary>The note of the run with the median value (notes can depend on the value).</summary>
    public string Note => _median.Note;

    public string Verdict => First.Target is not { } t ? "" : (First.HigherIsBetter ? Ratio >= t : Ratio <= t) ? "met" : "missed";

    public static double Median(IReadOnlyList<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

/// <summary>Collects the run's figures and writes them as a table (stdout, Markdown) and as JSON.</summary>
public sealed class BenchResults
{
    private readonly List<Figure> _figures = [];

    public void Add(Figure figure)
    {
        _figures.Add(figure);
        Console.WriteLine($"  {figure.Name}: {Format(figure.Value)} {figure.Unit} vs {figure.BaselineName} {Format(figure.Baseline)} -> {Format(figure.Value / figure.Baseline)}x");
    }

    private IEnumerable<Row> Rows => _figures.GroupBy(f => f.Name).Select(g => new Row(g.ToList()));

    public string Markdown()
    {
        var table = new StringBuilder()
            .AppendLine("| measure | value: median (min-max) | baseline (same run): median (min-max) | ratio of medians | target | |")
            .AppendLine("|---|---|---|---|---|---|");
        foreach (var row in Rows)
        {
            var f = row.First;
            var target = f.Target is { } t ? (f.HigherIsBetter ? ">= " : "<= ") + Format(t) + "x" : "";
            table.AppendLine($"| {f.Name} | {Spread(row.Values)} {f.Unit} | {f.BaselineName}: {Spread(row.Baselines)} {f.Unit} | {Format(row.Ratio)}x | {target} | {row.Verdict}{(row.Note.Length > 0 ? " " + row.Note : "")} |");
        }
        return table.ToString();
    }

    public async Task WriteAsync(string folder, TimeSpan elapsed)
    {
        Directory.CreateDirectory(folder);
        var stamp = DateTime.UtcNow.ToString("yyyy-MM-ddTHH-mm-ssZ", CultureInfo.InvariantCulture);
        var markdown = $"# PeerEval benchmark, {stamp}\n\n{Environment.ProcessorCount} cores, Azurite in memory, every row run {Rows.Max(r => r.Values.Count)} times, whole run {elapsed.TotalSeconds:F0} s.\n\n{Markdown()}";
        await File.WriteAllTextAsync(Path.Combine(folder, "latest.md"), markdown);
        await File.WriteAllTextAsync(Path.Combine(folder, $"{stamp}.json"), JsonSerializer.Serialize(Rows.Select(r => new
        {
            r.First.Name, r.Value, r.Values, r.First.Unit, r.Baseline, r.Baselines, r.First.BaselineName, r.Ratio, r.First.Target, r.Verdict, r.Note,
        }), new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine();
        Console.WriteLine(markdown);
    }

    private static string Spread(IReadOnlyList<double> sorted) =>
        sorted.Count == 1 ? Format(sorted[0]) : $"{Format(Row.Median(sorted))} ({Format(sorted[0])}-{Format(sorted[^1])})";

    public static string Format(double value) =>
        double.IsNaN(value) ? "-" : Math.Abs(value) >= 100 ? value.ToString("F0", CultureInfo.InvariantCulture) : value.ToString("0.##", CultureInfo.InvariantCulture);
}
