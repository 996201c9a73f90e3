using CsCheck;
using PeerEval.Contracts;
using PeerEval.Domain.Aggregation;
using PeerEval.Domain.Reports;
using PeerEval.Domain.Submissions;

namespace PeerEval.Domain.Tests;

/// <summary>
/// Plays the attacker: takes every report the API can serve to one key for a service (every
/// granularity, every from/to) and tries to solve, by adding and subtracting published figures,
/// for the sum of any set of months whose figure group holds fewer than k people.
/// </summary>
public sealed class DisclosureTests
{
    private const int FirstMonth = 2025 * 12; // January 2025
    private const int DataMonths = 18;

    public sealed record Dataset(int YearStartMonth, int MinCellSize, List<List<Observation>> Histories)
    {
        public override string ToString() => $"year starts {YearStartMonth}, k {MinCellSize}, {Histories.Count} people, {Histories.Sum(h => h.Count)} submissions";
    }

    /// <summary>Few people over a year and a half, so cells of one to four people are common.</summary>
    private static readonly Gen<Dataset> Datasets =
        from yearStart in Gen.OneOf(Gen.Const(1), Gen.Const(4), Gen.Int[1, 12])
        from k in Gen.Int[2, 5]
        from histories in Gen.Select(Gen.Int[0, DataMonths - 1], Gen.Int[1, 28], Gen.Int[0, 2], Gen.Int[8, 40], Gen.Int[0, 4], Gen.Int[1, 60])
            .Array[1, 5]
            .Select(items => items.Select((x, i) =>
            {
                var (month, day, occasion, score, stay, days) = x;
                var completedOn = new DateOnly(2025, 1, day).AddMonths(month);
                return new Observation($"s{i}-{month}-{day}-{score}", (Occasion)occasion, completedOn,
                    [new ScoredInstrument("hope-core", score, true, 6.4)],
                    stay == 0 ? new Stay(completedOn.AddDays(-days), completedOn) : null);
            }).ToList())
            .List[1, 24]
        select new Dataset(yearStart, k, histories);

    [Fact]
    public void No_figure_group_below_k_can_be_solved_for_from_every_report_one_key_can_fetch() =>
        Datasets.Sample(dataset => Assert.Empty(Attack(dataset, secondarySuppression: true)), iter: 60, threads: 1);

    [Fact]
    public void Without_secondary_suppression_the_attacker_solves_for_small_groups()
    {
        // The same attack against primary suppression alone: proof that the attack finds what it looks for.
        var solved = 0;
        Datasets.Sample(dataset => solved += Attack(dataset, secondarySuppression: false).Count > 0 ? 1 : 0, iter: 40, threads: 1);
        Assert.True(solved > 0);
    }

    /// <summary>The groups (figure group, months) below k that published figures pin down exactly.</summary>
    private static List<string> Attack(Dataset dataset, bool secondarySuppression)
    {
        var calendar = new ReportingCalendar(dataset.YearStartMonth);
        var states = ReportStates.FromHistories(dataset.Histories);
        ReportState? StateOf(int month) => states.GetValueOrDefault(ReportingCalendar.MonthName(month));

        // Everything served: each period's figure groups, from every report that contains the period.
        var served = new Dictionary<(string Group, ReportPeriod Period), (long N, bool Suppressed)>();
        foreach (var granularity in Enum.GetValues<Granularity>())
        {
            var periods = calendar.Range(calendar.Containing(granularity, FirstMonth), calendar.Containing(granularity, FirstMonth + DataMonths - 1)).ToList();
            for (var from = 0; from < periods.Count; from++)
                for (var to = from; to < periods.Count; to++)
                {
                    var report = ReportBuilder.Build("s", calendar, periods[from], periods[to], StateOf, dataset.MinCellSize, DateTimeOffset.UnixEpoch, secondarySuppression);
                    foreach (var (period, figures) in periods.Skip(from).Zip(report.Periods))
                        foreach (var (group, n, suppressed) in GroupsOf(figures))
                        {
                            // Decisions never depend on the request: the same period is served the same way in every report.
                            if (served.TryGetValue((group, period), out var earlier))
                                Assert.Equal(earlier, (n, suppressed));
                            served[(group, period)] = (n, suppressed);
                        }
                }
        }

        // Who is in each group in each month, straight from the histories.
        var membersByMonth = dataset.Histories
            .SelectMany((history, person) => Contributions.Compute(history)
                .SelectMany(c => c.Value.Groups.Keys.Select(group => (group, Month: Month(c.Key), person))))
            .GroupBy(x => (x.group, x.Month), x => x.person)
            .ToDictionary(g => g.Key, g => g.ToHashSet());

        var found = new List<string>();
        foreach (var group in served.Keys.Select(k => k.Group).Distinct())
            foreach (var year in served.Keys.Where(k => k.Period.Granularity == Granularity.Year).Select(k => k.Period).Distinct())
            {
                // Equations over the year's twelve months: each published sum, and each month known to be empty.
                var rows = new List<double[]>();
                foreach (var ((g, period), (n, suppressed)) in served)
                    if (g == group && year.Contains(period) && n > 0 && !suppressed)
                        rows.Add(year.Months.Select(m => period.Months.Contains(m) ? 1.0 : 0.0).ToArray());
                foreach (var month in year.Months.Where(m => !membersByMonth.ContainsKey((group, m))))
                    rows.Add(year.Months.Select(m => m == month ? 1.0 : 0.0).ToArray());
                var basis = Echelon(rows);

                for (var set = 1; set < 1 << 12; set++)
                {
                    var people = year.Months.Where((m, i) => (set >> i & 1) == 1)
                        .SelectMany(m => membersByMonth.GetValueOrDefault((group, m)) ?? []).Distinct().Count();
                    if (people > 0 && people < dataset.MinCellSize && InSpan(basis, Enumerable.Range(0, 12).Select(i => (double)(set >> i & 1)).ToArray()))
                        found.Add($"{group} in {year.Name}, months {Convert.ToString(set, 2).PadLeft(12, '0')}: {people} people");
                }
            }
        return found;
    }

    internal static int Month(string name) => ReportingCalendar.MonthIndex(int.Parse(name[..4]), int.Parse(name[5..]));

    /// <summary>The figure groups a period serves, by their keys, with their count and whether they are suppressed.</summary>
    internal static IEnumerable<(string Group, long N, bool Suppressed)> GroupsOf(PeriodFigures figures)
    {
        foreach (var (instrument, f) in figures.Instruments)
        {
            foreach (var (occasion, cell) in f.Occasions)
                yield return (FigureGroup.Cell(instrument, OccasionOf(occasion)).Key, cell.N, cell.Suppressed);
            foreach (var (occasion, change) in f.Change)
                yield return (FigureGroup.Change(instrument, OccasionOf(occasion)).Key, change.Pairs, change.Suppressed);
        }
        yield return (FigureGroup.Stays.Key, figures.LengthOfStay.Stays, figures.LengthOfStay.Suppressed);
    }

    private static Occasion OccasionOf(string name) => Enum.GetValues<Occasion>().Single(o => o.ToName() == name);

    /// <summary>Row echelon form by Gaussian elimination; the vectors are 0/1 and twelve long, so doubles are exact enough.</summary>
    private static List<double[]> Echelon(List<double[]> rows)
    {
        var basis = new List<double[]>();
        foreach (var row in rows)
            if (Reduce(basis, row) is { } remainder)
                basis.Add(remainder);
        return basis;
    }

    private static bool InSpan(List<double[]> basis, double[] vector) => Reduce(basis, vector) is null;

    /// <summary>What is left of the vector once the basis is subtracted out, or null when nothing is.</summary>
    private static double[]? Reduce(List<double[]> basis, double[] vector)
    {
        var v = (double[])vector.Clone();
        foreach (var b in basis)
        {
            var pivot = Array.FindIndex(b, x => Math.Abs(x) > 1e-9);
            if (Math.Abs(v[pivot]) > 1e-9)
            {
                var factor = v[pivot] / b[pivot];
                for (var i = 0; i < v.Length; i++)
                    v[i] -= factor * b[i];
            }
        }
        return v.Any(x => Math.Abs(x) > 1e-9) ? v : null;
    }
}
