using PeerEval.Contracts;
using PeerEval.Domain.Aggregation;
using PeerEval.Domain.Instruments;
using PeerEval.Domain.Statistics;

namespace PeerEval.Domain.Reports;

/// <summary>Turns monthly report states into the contract's figures for months, quarters or years, applying disclosure control.</summary>
public static class ReportBuilder
{
    /// <summary>
    /// Every month a report reads: all of each reporting year its periods fall in, because what a year
    /// may publish is decided over the whole year.
    /// </summary>
    public static IEnumerable<int> MonthsToRead(ReportingCalendar calendar, ReportPeriod from, ReportPeriod to) =>
        calendar.Range(from, to).Select(p => calendar.YearOf(p.FirstMonth)).Distinct().SelectMany(y => y.Months);

    /// <param name="months">The state of each month, or null where nothing was recorded.</param>
    /// <param name="secondarySuppression">Off only to show, in tests, what the residue rule prevents.</param>
    /// <param name="respondentOf">Who answers an instrument, by its id; people supported, where unknown.</param>
    /// <param name="by">A breakdown dimension (team, setting, peerWorker): adds a group of figures per value.</param>
    /// <param name="alsoRequired">A further condition for publishing a figure group in a period (a benchmark's, say), on top of disclosure control.</param>
    public static Report Build(
        string serviceId, ReportingCalendar calendar, ReportPeriod from, ReportPeriod to, Func<int, ReportState?> months,
        int minCellSize, DateTimeOffset generatedAt, bool secondarySuppression = true, Func<string, Respondent>? respondentOf = null,
        string? by = null, Func<string, ReportPeriod, bool>? alsoRequired = null)
    {
        var respondent = respondentOf ?? (_ => Respondent.Person);
        var periods = calendar.Range(from, to).ToList();
        var years = periods.Select(p => calendar.YearOf(p.FirstMonth)).Distinct().ToList();
        var published = years
            .SelectMany(year => Disclosure.Publishable(calendar, year, months, minCellSize, secondarySuppression))
            .ToHashSet();
        PeriodFigures Figures(ReportPeriod p, Breakdown? within) =>
            FiguresOf(p, months, within, group => minCellSize > 0 && !(published.Contains((group, p.Name)) && (alsoRequired?.Invoke(group, p) ?? true)), respondent);

        List<BreakdownFigures>? groups = null;
        if (by is not null)
        {
            published.UnionWith(years.SelectMany(year =>
                Disclosure.PublishableParts(calendar, year, months, minCellSize, by, published, secondarySuppression).ToList()));
            groups = periods.SelectMany(p => p.Months).Select(months).OfType<ReportState>()
                .SelectMany(s => s.Groups.Keys)
                .Where(k => k.StartsWith(Breakdown.PrefixOf(by), StringComparison.Ordinal))
                .Select(k => FigureGroup.Parse(k).Within!)
                .Distinct()
                .OrderBy(part => part.Value, StringComparer.Ordinal)
                .Select(part => new BreakdownFigures(by, part.Value, periods.Select(p => Figures(p, part)).ToList()))
                .ToList();
        }
        return new Report(serviceId, ReportingCalendar.NameOf(from.Granularity), from.Name, to.Name, generatedAt, minCellSize,
            periods.Select(p => Figures(p, null)).ToList(), groups);
    }

    /// <summary>A period's figures for the whole service, or for one part of a breakdown.</summary>
    private static PeriodFigures FiguresOf(
        ReportPeriod period, Func<int, ReportState?> months, Breakdown? within, Func<string, bool> suppressed, Func<string, Respondent> respondent)
    {
        var monthSet = period.Months.ToHashSet();
        var states = period.Months.Select(months).OfType<ReportState>().ToList();
        var instruments = new SortedDictionary<string, InstrumentFigures>(StringComparer.Ordinal);
        var stays = StaysOf(new FigureState(), 0, suppressed(FigureGroup.Stays.In(within).Key));
        long submissions = 0, participants = 0;
        if (within is null)
        {
            submissions = states.Sum(s => s.Submissions);
            participants = Presence.DistinctPeople(m => months(m)?.Participants, monthSet);
        }

        // Told apart by prefix first: a breakdown's month holds every part's keys, and each part reads only its own.
        foreach (var key in states.SelectMany(s => s.Groups.Keys).Distinct(StringComparer.Ordinal)
            .Where(k => within is null ? FigureGroup.IsWhole(k) : k.StartsWith(within.KeyPrefix, StringComparison.Ordinal)))
        {
            var group = FigureGroup.Parse(key);
            var merged = new FigureState();
            foreach (var state in states.Select(s => s.Groups.GetValueOrDefault(key)).OfType<FigureState>())
            {
                merged.Values.Merge(state.Values);
                merged.Assessed += state.Assessed;
                merged.Improved += state.Improved;
                merged.Deteriorated += state.Deteriorated;
            }
            var people = Presence.DistinctPeople(m => months(m)?.Groups.GetValueOrDefault(key)?.People, monthSet);
            switch (group.Kind)
            {
                case FigureKind.Cell:
                    InstrumentFor(group.Instrument).Occasions[group.Occasion] = CellOf(merged.Values, people, suppressed(key));
                    break;
                case FigureKind.Change:
                    InstrumentFor(group.Instrument).Change[group.Occasion] = ChangeOf(merged, people, suppressed(key));
                    break;
                case FigureKind.Active:
                    (submissions, participants) = (merged.Values.Count, people);
                    break;
                default:
                    stays = StaysOf(merged, people, suppressed(key));
                    break;
            }
        }
        return new PeriodFigures(period.Name, submissions, participants, instruments, stays);

        InstrumentFigures InstrumentFor(string instrument) =>
            instruments.TryGetValue(instrument, out var figures)
                ? figures
                : instruments[instrument] = new InstrumentFigures(respondent(FigureGroup.InstrumentIdOf(instrument)).ToName(),
                    new(StringComparer.Ordinal), new(StringComparer.Ordinal));
    }

    private static Cell CellOf(Histogram values, long people, bool suppressed) =>
        suppressed || values.IsEmpty
            ? new Cell(values.Count, people, null, null, null, null, null, suppressed)
            : new Cell(values.Count, people, Rounded(values.Mean()), Rounded(values.SampleSd()),
                Rounded(values.Quantile(0.5)), Rounded(values.Quantile(0.25)), Rounded(values.Quantile(0.75)), false);

    private static ChangeFigures ChangeOf(FigureState change, long people, bool suppressed)
    {
        var pairs = change.Values.Count;
        if (suppressed || pairs == 0)
            return new ChangeFigures(pairs, people, null, null, null, null, null, suppressed);
        var mean = change.Values.Mean();
        var sd = change.Values.SampleSd();
        var assessed = change.Assessed > 0;
        return new ChangeFigures(pairs, people, Rounded(mean), Rounded(sd), sd is > 0 ? Rounded(mean / sd) : null,
            assessed ? change.Improved : null, assessed ? change.Deteriorated : null, false);
    }

    private static LengthOfStayFigures StaysOf(FigureState stays, long people, bool suppressed)
    {
        var days = stays.Values;
        return suppressed || days.IsEmpty
            ? new LengthOfStayFigures(days.Count, people, null, null, null, null, null, suppressed)
            : new LengthOfStayFigures(days.Count, people, Rounded(days.Mean()), Rounded(days.SampleSd()),
                Rounded(days.Quantile(0.5)), Rounded(days.Quantile(0.25)), Rounded(days.Quantile(0.75)), false);
    }

    /// <summary>Served to at most 6 decimals: 2.35, never 2.3499999999999996.</summary>
    private static double? Rounded(double? value) => value is { } v ? Math.Round(v, 6, MidpointRounding.AwayFromZero) : null;
}
