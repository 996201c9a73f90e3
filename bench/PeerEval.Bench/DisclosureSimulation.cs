using PeerEval.Contracts;
using PeerEval.Domain.Aggregation;
using PeerEval.Domain.Reports;
using PeerEval.Domain.Submissions;

namespace PeerEval.Bench;

/// <summary>
/// How much a year of a typical service loses to disclosure control, by granularity: figure groups
/// with anyone in them, and of those the share suppressed for too few people (primary) and to guard
/// a residue (secondary). Pure computation: no storage, no app.
/// </summary>
public static class DisclosureSimulation
{
    public static void Run(int minCellSize = 5, int seed = 7)
    {
        Console.WriteLine($"Disclosure control on a simulated year (k = {minCellSize}): share of non-empty figure groups suppressed");
        Console.WriteLine("| service | granularity | groups | primary | secondary | published |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var people in new[] { 40, 2000 })
        {
            var states = ReportStates.FromHistories(Histories(people, new Random(seed)));
            var calendar = new ReportingCalendar(4);
            foreach (var granularity in Enum.GetValues<Granularity>())
            {
                var year = calendar.Year(2025);
                var from = calendar.Containing(granularity, year.FirstMonth);
                var to = calendar.Containing(granularity, year.LastMonth);
                var report = ReportBuilder.Build("s", calendar, from, to, m => states.GetValueOrDefault(ReportingCalendar.MonthName(m)), minCellSize, DateTimeOffset.UnixEpoch);
                var groups = report.Periods.SelectMany(Groups).Where(g => g.People > 0).ToList();
                var primary = groups.Count(g => g.People < minCellSize);
                var secondary = groups.Count(g => g.Suppressed && g.People >= minCellSize);
                Console.WriteLine($"| {people} people a year | {ReportingCalendar.NameOf(granularity)} | {groups.Count} | {Percent(primary, groups.Count)} | {Percent(secondary, groups.Count)} | {Percent(groups.Count - primary - secondary, groups.Count)} |");
            }
        }
    }

    private static string Percent(int part, int whole) => whole == 0 ? "-" : $"{100.0 * part / whole:F0}% ({part})";

    private static IEnumerable<(long People, bool Suppressed)> Groups(PeriodFigures figures) =>
        figures.Instruments.Values.SelectMany(i => i.Occasions.Values.Select(c => (c.People, c.Suppressed)).Concat(i.Change.Values.Select(c => (c.People, c.Suppressed))))
            .Append((figures.LengthOfStay.People, figures.LengthOfStay.Suppressed));

    /// <summary>
    /// People start in a random month of the financial year 2025 with a baseline on both instruments; two
    /// in three give a follow-up about three months later, one in three a discharge questionnaire, and one
    /// in four has an inpatient stay that closes during the year.
    /// </summary>
    private static List<List<Observation>> Histories(int people, Random random)
    {
        var start = new DateOnly(2025, 4, 1);
        double Score() => random.Next(8, 41);
        List<ScoredInstrument> Scores() =>
            [new("hope-core", Score(), true, 6.4), new("empowerment-core", Math.Round(1 + random.NextDouble() * 3, 1), true, null)];
        return Enumerable.Range(0, people).Select(p =>
        {
            var baseline = start.AddDays(random.Next(0, 300));
            var history = new List<Observation> { new($"{p}-b", Occasion.Baseline, baseline, Scores(), null) };
            if (random.Next(3) < 2)
                history.Add(new($"{p}-f", Occasion.Followup, baseline.AddDays(random.Next(60, 120)), Scores(), null));
            if (random.Next(3) == 0)
                history.Add(new($"{p}-d", Occasion.Discharge, baseline.AddDays(random.Next(30, 200)), Scores(),
                    random.Next(4) == 0 ? new Stay(baseline.AddDays(-random.Next(5, 60)), baseline.AddDays(random.Next(1, 30))) : null));
            return history.Where(o => o.CompletedOn < start.AddYears(1)).ToList();
        }).ToList();
    }
}
