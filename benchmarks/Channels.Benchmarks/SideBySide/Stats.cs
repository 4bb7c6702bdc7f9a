namespace Channels.Benchmarks.SideBySide;

/// <summary>Medians and percentiles, computed the way the Python seed computes them.</summary>
public static class Stats
{
    /// <summary>The median (mean of the two middle values for an even count), like Python's <c>statistics.median</c>.</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("cannot take the median of no values", nameof(values));
        }

        var sorted = values.ToArray();
        Array.Sort(sorted);
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>The element at <c>int(n * fraction)</c> of the sorted values, as the seed's <c>lat[int(len(lat) * 0.99)]</c>.</summary>
    public static double PercentileOfSorted(ReadOnlySpan<double> sorted, double fraction)
    {
        int index = Math.Min(sorted.Length - 1, (int)(sorted.Length * fraction));
        return sorted[index];
    }
}
