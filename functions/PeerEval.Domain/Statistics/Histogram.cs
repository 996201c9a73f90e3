using System.Globalization;

namespace PeerEval.Domain.Statistics;

/// <summary>
/// An exact multiset of values. Counts add and subtract exactly, so a histogram is the same
/// whatever order values arrive or leave in, and months merge by adding counts.
/// </summary>
public sealed class Histogram
{
    private readonly SortedDictionary<double, long> _counts = [];

    public long Count { get; private set; }

    public IEnumerable<KeyValuePair<double, long>> Bins => _counts;

    public bool IsEmpty => Count == 0;

    public void Add(double value, long count = 1)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(nameof(value), "Only finite values can be counted.");
        if (value == 0)
            value = 0; // -0 and 0 are one bin
        var next = _counts.GetValueOrDefault(value) + count;
        if (next < 0)
            throw new InvalidOperationException($"Removing {-count} of {value} leaves a negative count.");
        if (next == 0)
            _counts.Remove(value);
        else
            _counts[value] = next;
        Count += count;
    }

    public void Remove(double value) => Add(value, -1);

    public void Merge(Histogram other)
    {
        foreach (var (value, count) in other._counts)
            Add(value, count);
    }

    /// <summary>Round-trip text form: value:count pairs, ascending.</summary>
    public string Serialize() => string.Join(';', _counts.Select(b => $"{b.Key.ToString("R", CultureInfo.InvariantCulture)}:{b.Value}"));

    public static Histogram Parse(string? text)
    {
        var histogram = new Histogram();
        if (string.IsNullOrEmpty(text))
            return histogram;
        foreach (var bin in text.Split(';'))
        {
            var colon = bin.LastIndexOf(':');
            histogram.Add(
                double.Parse(bin.AsSpan(0, colon), NumberStyles.Float, CultureInfo.InvariantCulture),
                long.Parse(bin.AsSpan(colon + 1), CultureInfo.InvariantCulture));
        }
        return histogram;
    }

    public double Mean()
    {
        double sum = 0;
        foreach (var (value, count) in _counts)
            sum += value * count;
        return sum / Count;
    }

    /// <summary>Sample standard deviation (n - 1), two-pass for accuracy; null below two values.</summary>
    public double? SampleSd()
    {
        if (Count < 2)
            return null;
        var mean = Mean();
        double squares = 0;
        foreach (var (value, count) in _counts)
            squares += (value - mean) * (value - mean) * count;
        return Math.Sqrt(squares / (Count - 1));
    }

    /// <summary>Quantile by linear interpolation between closest ranks (numpy's default, R type 7).</summary>
    public double Quantile(double p)
    {
        if (Count == 0)
            throw new InvalidOperationException("An empty histogram has no quantiles.");
        var h = (Count - 1) * p;
        var lower = (long)Math.Floor(h);
        var lowValue = ValueAtRank(lower);
        var fraction = h - lower;
        return fraction == 0 ? lowValue : lowValue + fraction * (ValueAtRank(lower + 1) - lowValue);
    }

    public double Min => _counts.First().Key;

    public double Max => _counts.Last().Key;

    private double ValueAtRank(long rank)
    {
        long seen = 0;
        foreach (var (value, count) in _counts)
        {
            seen += count;
            if (rank < seen)
                return value;
        }
        return Max;
    }
}
