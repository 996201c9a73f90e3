using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PeerEval.Bench;

public sealed record Figure(string Name, double Value, string Unit, double Baseline, string BaselineName, double? Target, bool HigherIsBetter, string Note = "")
{
    public double Ratio => Baseline == 0 ? double.NaN : Value / Baseline;

    public string Verdict => Target is not { } t ? "" : (HigherIsBetter ? Ratio >= t : Ratio <= t) ? "met" : "missed";
}

/// <summary>Collects the run's figures and writes them as a table (stdout, Markdown) and as JSON.</summary>
public sealed class BenchResults
{
    private readonly List<Figure> _figures = [];

    public void Add(Figure figure)
    {
        _figures.Add(figure);
        Console.WriteLine($"  {figure.Name}: {Format(figure.Value)} {figure.Unit} vs {figure.BaselineName} {Format(figure.Baseline)} -> {Format(figure.Ratio)}x {figure.Verdict}");
    }

    public string Markdown()
    {
        var table = new StringBuilder()
            .AppendLine("| measure | value | baseline (same run) | ratio | target | |")
            .AppendLine("|---|---|---|---|---|---|");
        foreach (var f in _figures)
        {
            var target = f.Target is { } t ? (f.HigherIsBetter ? ">= " : "<= ") + Format(t) + "x" : "";
            table.AppendLine($"| {f.Name} | {Format(f.Value)} {f.Unit} | {f.BaselineName}: {Format(f.Baseline)} {f.Unit} | {Format(f.Ratio)}x | {target} | {f.Verdict}{(f.Note.Length > 0 ? " " + f.Note : "")} |");
        }
        return table.ToString();
    }

    public async Task WriteAsync(string folder, TimeSpan elapsed)
    {
        Directory.CreateDirectory(folder);
        var stamp = DateTime.UtcNow.ToString("yyyy-MM-ddTHH-mm-ssZ", CultureInfo.InvariantCulture);
        var markdown = $"# PeerEval benchmark, {stamp}\n\n{Environment.ProcessorCount} cores, Azurite in memory, whole run {elapsed.TotalSeconds:F0} s.\n\n{Markdown()}";
        await File.WriteAllTextAsync(Path.Combine(folder, "latest.md"), markdown);
        await File.WriteAllTextAsync(Path.Combine(folder, $"{stamp}.json"), JsonSerializer.Serialize(_figures.Select(f => new
        {
            f.Name, f.Value, f.Unit, f.Baseline, f.BaselineName, f.Ratio, f.Target, f.Verdict, f.Note,
        }), new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine();
        Console.WriteLine(markdown);
    }

    public static string Format(double value) =>
        double.IsNaN(value) ? "-" : Math.Abs(value) >= 100 ? value.ToString("F0", CultureInfo.InvariantCulture) : value.ToString("0.##", CultureInfo.InvariantCulture);
}
