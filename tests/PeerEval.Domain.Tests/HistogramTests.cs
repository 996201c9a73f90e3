using CsCheck;
using PeerEval.Domain.Statistics;

namespace PeerEval.Domain.Tests;

public sealed class HistogramTests
{
    private static readonly Gen<double[]> Values = Gen.OneOf(
        Gen.Int[-20, 60].Select(i => (double)i),
        Gen.Int[0, 400].Select(i => i / 7.0)).Array[1, 60];

    [Fact]
    public void Quantiles_match_type_7_interpolation_on_the_sorted_values() =>
        Values.Sample(values =>
        {
            var histogram = Of(values);
            var sorted = values.Order().ToArray();
            foreach (var p in new[] { 0, 0.25, 0.5, 0.75, 1 })
                Assert.Equal(Type7(sorted, p), histogram.Quantile(p), 9);
            Assert.Equal(sorted[0], histogram.Min);
            Assert.Equal(sorted[^1], histogram.Max);
        });

    [Fact]
    public void Mean_and_sample_sd_match_the_textbook_formulas() =>
        Values.Sample(values =>
        {
            var histogram = Of(values);
            var mean = values.Average();
            Assert.Equal(mean, histogram.Mean(), 9);
            if (values.Length > 1)
                Assert.Equal(Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1)), histogram.SampleSd()!.Value, 9);
            else
                Assert.Null(histogram.SampleSd());
        });

    [Fact]
    public void Adding_and_removing_in_any_order_gives_the_same_histogram() =>
        Gen.Select(Values, Values, Gen.Int[0, 1000]).Sample((kept, removed, seed) =>
        {
            var operations = kept.Select(v => (v, +1)).Concat(removed.Select(v => (v, +1))).Concat(removed.Select(v => (v, -1))).ToList();
            var shuffled = new Random(seed).Shuffle(operations);
            var histogram = new Histogram();
            // Removals may only follow their own addition, so apply all additions of a value before its removals.
            foreach (var (value, sign) in shuffled.OrderBy(o => o.Item2 < 0))
                histogram.Add(value, sign);
            Assert.Equal(Of(kept).Serialize(), histogram.Serialize());
        });

    [Fact]
    public void Serialized_histograms_read_back_exactly() =>
        Values.Sample(values =>
        {
            var histogram = Of(values);
            Assert.Equal(histogram.Serialize(), Histogram.Parse(histogram.Serialize()).Serialize());
            Assert.Equal(histogram.Mean(), Histogram.Parse(histogram.Serialize()).Mean());
        });

    [Fact]
    public void Hand_checked_quartiles_of_one_to_four()
    {
        var histogram = Of([4, 1, 3, 2]);
        Assert.Equal(2.5, histogram.Quantile(0.5));
        Assert.Equal(1.75, histogram.Quantile(0.25));
        Assert.Equal(3.25, histogram.Quantile(0.75));
        Assert.Equal(1.2909944487358056, histogram.SampleSd()!.Value, 12);
    }

    [Fact]
    public void Removing_a_value_that_is_not_there_is_refused() =>
        Assert.Throws<InvalidOperationException>(() => Of([1]).Remove(2));

    private static Histogram Of(double[] values)
    {
        var histogram = new Histogram();
        foreach (var value in values)
            histogram.Add(value);
        return histogram;
    }

    private static double Type7(double[] sorted, double p)
    {
        var h = (sorted.Length - 1) * p;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}

internal static class RandomExtensions
{
    public static List<T> Shuffle<T>(this Random random, IEnumerable<T> items)
    {
        var list = items.ToList();
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
        return list;
    }
}
