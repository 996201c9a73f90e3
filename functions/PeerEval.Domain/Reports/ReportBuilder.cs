using PeerEval.Domain.Aggregation;
using PeerEval.Domain.Statistics;
using PeerEval.Contracts;

namespace PeerEval.Domain.Reports;

/// <summary>Turns monthly report states into the contract's figures, applying disclosure control.</summary>
public static class ReportBuilder
{
    public static Report Build(
        string serviceId, DateOnly from, DateOnly to, IReadOnlyDictionary<string, ReportState> months,
        int minCellSize, DateTimeOffset generatedAt)
    {
        var periods = new List<PeriodFigures>();
        var total = new ReportState();
        long totalParticipants = 0;
        var fromPeriod = Period.Of(from);
        foreach (var period in Period.Range(from, to))
        {
            var state = months.GetValueOrDefault(period) ?? new ReportState();
            var figures = FiguresOf(state, state.Participants, minCellSize);
            periods.Add(new PeriodFigures(period, figures.Submissions, figures.Participants, figures.Instruments, figures.LengthOfStay));
            total.Merge(state);
            totalParticipants += state.ParticipantsByPreviousMonth
                .Where(p => string.CompareOrdinal(p.Key, fromPeriod) < 0)
                .Sum(p => p.Value);
        }
        return new Report(serviceId, Period.Of(from), Period.Of(to), generatedAt, minCellSize, periods,
            FiguresOf(total, totalParticipants, minCellSize));
    }

    public static Figures FiguresOf(ReportState state, long participants, int minCellSize)
    {
        var instruments = new SortedDictionary<string, InstrumentFigures>(StringComparer.Ordinal);
        foreach (var (key, histogram) in state.Cells)
        {
            var separator = key.IndexOf('|');
            InstrumentFor(key[..separator]).Occasions[key[(separator + 1)..]] = CellOf(histogram, minCellSize);
        }
        foreach (var (instrumentId, change) in state.Changes)
            instruments[instrumentId] = InstrumentFor(instrumentId) with { Change = ChangeOf(change, minCellSize) };

        return new Figures(state.Submissions, participants, instruments, StaysOf(state.Stays, minCellSize));

        InstrumentFigures InstrumentFor(string id) =>
            instruments.TryGetValue(id, out var figures)
                ? figures
                : instruments[id] = new InstrumentFigures(new SortedDictionary<string, Cell>(StringComparer.Ordinal), ChangeOf(new ChangeState(), minCellSize));
    }

    private static bool Suppressed(long n, int minCellSize) => n < minCellSize;

    public static Cell CellOf(Histogram values, int minCellSize)
    {
        var n = values.Count;
        if (Suppressed(n, minCellSize) || n == 0)
            return new Cell(n, null, null, null, null, null, null, null, Suppressed(n, minCellSize));
        return new Cell(n, values.Mean(), values.SampleSd(), values.Quantile(0.5), values.Quantile(0.25), values.Quantile(0.75),
            values.Min, values.Max, false);
    }

    public static ChangeFigures ChangeOf(ChangeState change, int minCellSize)
    {
        var pairs = change.Values.Count;
        if (Suppressed(pairs, minCellSize) || pairs == 0)
            return new ChangeFigures(pairs, null, null, null, null, null, Suppressed(pairs, minCellSize));
        var mean = change.Values.Mean();
        var sd = change.Values.SampleSd();
        var assessed = change.Assessed > 0;
        return new ChangeFigures(pairs, mean, sd, sd is > 0 ? mean / sd : null,
            assessed ? change.Improved : null, assessed ? change.Deteriorated : null, false);
    }

    public static LengthOfStayFigures StaysOf(Histogram days, int minCellSize)
    {
        var n = days.Count;
        if (Suppressed(n, minCellSize) || n == 0)
            return new LengthOfStayFigures(n, null, null, null, null, null, Suppressed(n, minCellSize));
        return new LengthOfStayFigures(n, days.Mean(), days.SampleSd(), days.Quantile(0.5), days.Quantile(0.25), days.Quantile(0.75), false);
    }
}
