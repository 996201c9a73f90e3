using System.Numerics;
using CsCheck;
using PeerEval.Contracts;
using PeerEval.Domain.Aggregation;
using PeerEval.Domain.Reports;
using PeerEval.Domain.Submissions;

namespace PeerEval.Domain.Tests;

/// <summary>
/// The attacker of <see cref="DisclosureTests"/> against reports broken down by team: takes every
/// report one key can fetch, with and without `by=team`, and tries to solve for the sum of any set
/// of teams (the submissions with no team count as one more) over any set of a year's months that
/// holds fewer than k people.
/// </summary>
public sealed class BreakdownDisclosureTests
{
    private const int FirstMonth = 2025 * 12; // January 2025
    private const int DataMonths = 12;
    private const string NoTeam = "no-team";
    private static readonly string[] Parts = ["ward-a", "ward-b", NoTeam];

    public sealed record Dataset(int YearStartMonth, int MinCellSize, List<List<Observation>> Histories)
    {
        public override string ToString() => $"year starts {YearStartMonth}, k {MinCellSize}, {Histories.Count} people, {Histories.Sum(h => h.Count)} submissions";
    }

    /// <summary>A dozen or two people over a year, two teams and some submissions with no team: many small parts.</summary>
    private static readonly Gen<Dataset> Datasets =
        from yearStart in Gen.OneOf(Gen.Const(1), Gen.Const(4), Gen.Int[1, 12])
        from k in Gen.Int[2, 5]
        from histories in Gen.Select(Gen.Int[0, DataMonths - 1], Gen.Int[1, 28], Gen.Int[0, 2], Gen.Int[8, 40], Gen.Int[0, 4], Gen.Int[0, 2])
            .Array[1, 4]
            .Select(items => items.Select((x, i) =>
            {
                var (month, day, occasion, score, stay, team) = x;
                var completedOn = new DateOnly(2025, 1, day).AddMonths(month);
                return new Observation($"s{i}-{month}-{day}-{score}", (Occasion)occasion, completedOn,
                    [new ScoredInstrument("hope-core", score, true, 6.4)],
                    stay == 0 ? new Stay(completedOn.AddDays(-3 * score), completedOn) : null,
                    team == 2 ? null : new SupportContext(Parts[team], null, null));
            }).ToList())
            .List[4, 24]
        select new Dataset(yearStart, k, histories);

    [Fact]
    public void No_set_of_teams_and_months_below_k_can_be_solved_for_from_every_report_one_key_can_fetch()
    {
        var publishedParts = 0;
        Datasets.Sample(dataset =>
        {
            var (solved, published) = Attack(dataset, secondarySuppression: true);
            Assert.Empty(solved);
            publishedParts += published;
        }, iter: 60, threads: 1);
        Assert.True(publishedParts > 0, "the breakdown never published a figure: nothing was tested");
    }

    [Fact]
    public void Without_protecting_the_breakdown_the_attacker_solves_for_small_groups()
    {
        var solved = 0;
        Datasets.Sample(dataset => solved += Attack(dataset, secondarySuppression: false).Solved.Count > 0 ? 1 : 0, iter: 20, threads: 1);
        Assert.True(solved > 0);
    }

    /// <returns>The sets below k that published figures pin down, and how many figures of parts were published.</returns>
    private static (List<string> Solved, int PublishedParts) Attack(Dataset dataset, bool secondarySuppression)
    {
        var calendar = new ReportingCalendar(dataset.YearStartMonth);
        var states = ReportStates.FromHistories(dataset.Histories);
        ReportState? StateOf(int month) => states.GetValueOrDefault(ReportingCalendar.MonthName(month));

        // Everything served, keyed by the whole service's figure group, the part (null for the whole) and the period.
        var served = new Dictionary<(string Group, string? Part, ReportPeriod Period), (long N, bool Suppressed)>();
        void Serve(string group, string? part, ReportPeriod period, long n, bool suppressed)
        {
            if (served.TryGetValue((group, part, period), out var earlier))
                Assert.Equal(earlier, (n, suppressed)); // never depends on the request
            served[(group, part, period)] = (n, suppressed);
        }
        foreach (var granularity in Enum.GetValues<Granularity>())
        {
            var periods = calendar.Range(calendar.Containing(granularity, FirstMonth), calendar.Containing(granularity, FirstMonth + DataMonths - 1)).ToList();
            for (var from = 0; from < periods.Count; from++)
                for (var to = from; to < periods.Count; to++)
                    foreach (var by in new[] { null, "team" })
                    {
                        var report = ReportBuilder.Build("s", calendar, periods[from], periods[to], StateOf, dataset.MinCellSize,
                            DateTimeOffset.UnixEpoch, secondarySuppression, by: by);
                        foreach (var (period, figures) in periods.Skip(from).Zip(report.Periods))
                            foreach (var (group, n, suppressed) in GroupsOf(figures))
                                Serve(group, null, period, n, suppressed);
                        foreach (var part in report.Groups ?? [])
                            foreach (var (period, figures) in periods.Skip(from).Zip(part.Periods))
                                foreach (var (group, n, suppressed) in GroupsOf(figures))
                                    Serve(group, part.Value, period, n, suppressed);
                    }
        }

        // Who is in each part of each group in each month: the submissions with no team are given one here.
        var members = dataset.Histories
            .SelectMany((history, person) => Contributions.Compute(history.Select(o => o.Context is null ? o with { Context = new(NoTeam, null, null) } : o))
                .SelectMany(c => c.Value.Groups.Keys.Select(FigureGroup.Parse).Where(g => g.Within is not null)
                    .Select(g => (Group: g.Whole.Key, Part: g.Within!.Value, Month: Month(c.Key), person))))
            .GroupBy(x => (x.Group, x.Part, x.Month), x => x.person)
            .ToDictionary(g => g.Key, g => g.Aggregate(0L, (mask, person) => mask | 1L << person));

        var found = new List<string>();
        foreach (var group in served.Keys.Select(k => k.Group).Distinct())
            foreach (var year in served.Keys.Where(k => k.Period.Granularity == Granularity.Year).Select(k => k.Period).Distinct())
            {
                // Unknowns: the sum of each part in each month. Equations: every published sum, every part-month known empty.
                int Column(int part, int month) => part * 12 + (month - year.FirstMonth);
                var rows = new List<double[]>();
                foreach (var ((g, part, period), (n, suppressed)) in served)
                {
                    if (g != group || !year.Contains(period) || n == 0 || suppressed)
                        continue;
                    var row = new double[Parts.Length * 12];
                    for (var p = 0; p < Parts.Length; p++)
                        if (part is null || Parts[p] == part)
                            foreach (var m in period.Months)
                                row[Column(p, m)] = 1;
                    rows.Add(row);
                }
                for (var p = 0; p < Parts.Length; p++)
                    foreach (var m in year.Months.Where(m => !members.ContainsKey((group, Parts[p], m))))
                    {
                        var row = new double[Parts.Length * 12];
                        row[Column(p, m)] = 1;
                        rows.Add(row);
                    }
                var nullSpace = NullSpace(rows, Parts.Length * 12);

                // A set of parts over a set of months is solvable when every vector orthogonal to all equations is orthogonal to it too.
                for (var parts = 1; parts < 1 << Parts.Length; parts++)
                {
                    var sums = new double[1 << 12, nullSpace.Count];
                    var people = new long[1 << 12];
                    for (var set = 1; set < 1 << 12; set++)
                    {
                        var lowest = BitOperations.TrailingZeroCount(set);
                        var month = year.FirstMonth + lowest;
                        people[set] = people[set & (set - 1)];
                        for (var p = 0; p < Parts.Length; p++)
                            if ((parts >> p & 1) == 1)
                                people[set] |= members.GetValueOrDefault((group, Parts[p], month));
                        for (var j = 0; j < nullSpace.Count; j++)
                        {
                            sums[set, j] = sums[set & (set - 1), j];
                            for (var p = 0; p < Parts.Length; p++)
                                if ((parts >> p & 1) == 1)
                                    sums[set, j] += nullSpace[j][Column(p, month)];
                        }
                        var count = BitOperations.PopCount((ulong)people[set]);
                        if (count > 0 && count < dataset.MinCellSize && Enumerable.Range(0, nullSpace.Count).All(j => Math.Abs(sums[set, j]) < 1e-9))
                            found.Add($"{group} in {year.Name}, parts {Convert.ToString(parts, 2)}, months {Convert.ToString(set, 2).PadLeft(12, '0')}: {count} people");
                    }
                }
            }
        return (found, served.Count(s => s.Key.Part is not null && s.Value.N > 0 && !s.Value.Suppressed));
    }

    private static int Month(string name) => ReportingCalendar.MonthIndex(int.Parse(name[..4]), int.Parse(name[5..]));

    private static IEnumerable<(string Group, long N, bool Suppressed)> GroupsOf(PeriodFigures figures)
    {
        foreach (var (instrument, f) in figures.Instruments)
        {
            foreach (var (occasion, cell) in f.Occasions)
                yield return ($"cell|{instrument}|{occasion}", cell.N, cell.Suppressed);
            foreach (var (occasion, change) in f.Change)
                yield return ($"change|{instrument}|{occasion}", change.Pairs, change.Suppressed);
        }
        yield return (FigureGroup.Stays.Key, figures.LengthOfStay.Stays, figures.LengthOfStay.Suppressed);
    }

    /// <summary>A basis of the vectors orthogonal to every row, from the reduced row echelon form (0/1 rows, small: doubles suffice).</summary>
    private static List<double[]> NullSpace(List<double[]> rows, int columns)
    {
        var matrix = rows.Select(r => (double[])r.Clone()).ToList();
        var pivots = new List<int>();
        var rank = 0;
        for (var c = 0; c < columns && rank < matrix.Count; c++)
        {
            var pivot = Enumerable.Range(rank, matrix.Count - rank).FirstOrDefault(r => Math.Abs(matrix[r][c]) > 1e-9, -1);
            if (pivot < 0)
                continue;
            (matrix[rank], matrix[pivot]) = (matrix[pivot], matrix[rank]);
            var lead = matrix[rank][c];
            for (var i = 0; i < columns; i++)
                matrix[rank][i] /= lead;
            for (var r = 0; r < matrix.Count; r++)
                if (r != rank && Math.Abs(matrix[r][c]) > 1e-9)
                {
                    var factor = matrix[r][c];
                    for (var i = 0; i < columns; i++)
                        matrix[r][i] -= factor * matrix[rank][i];
                }
            pivots.Add(c);
            rank++;
        }
        var basis = new List<double[]>();
        foreach (var free in Enumerable.Range(0, columns).Except(pivots))
        {
            var vector = new double[columns];
            vector[free] = 1;
            for (var r = 0; r < pivots.Count; r++)
                vector[pivots[r]] = -matrix[r][free];
            basis.Add(vector);
        }
        return basis;
    }
}
