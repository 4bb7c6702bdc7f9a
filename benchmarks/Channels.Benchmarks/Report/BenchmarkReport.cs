using Channels.Benchmarks.SideBySide;
using Channels.Benchmarks.Systems;
using Channels.Benchmarks.Systems.Python;

namespace Channels.Benchmarks.Report;

/// <summary>Everything one run produced, with the lookups the table and the chart need.</summary>
public sealed class BenchmarkReport
{
    /// <summary>Builds the report of one run.</summary>
    public BenchmarkReport(IReadOnlyList<Measurement> rows, IReadOnlyList<CaseSpec> cases, MachineInfo machine, SideBySideOptions options, TimeSpan elapsed, DateTimeOffset finished)
    {
        Rows = rows;
        Cases = cases;
        Machine = machine;
        Options = options;
        Elapsed = elapsed;
        Finished = finished;
    }

    /// <summary>All rows, in the order measured.</summary>
    public IReadOnlyList<Measurement> Rows { get; }

    /// <summary>The cases with their counts.</summary>
    public IReadOnlyList<CaseSpec> Cases { get; }

    /// <summary>The machine.</summary>
    public MachineInfo Machine { get; }

    /// <summary>The options of the run.</summary>
    public SideBySideOptions Options { get; }

    /// <summary>How long the whole command took (build excluded).</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>When the run ended.</summary>
    public DateTimeOffset Finished { get; }

    /// <summary>The row of <paramref name="system"/> in <paramref name="kind"/>, if it has figures.</summary>
    public Measurement? Find(string system, CaseKind kind)
    {
        foreach (Measurement row in Rows)
        {
            if (row.Case.Kind == kind && row.System == system && row.HasFigures)
            {
                return row;
            }
        }

        return null;
    }

    /// <summary>The Python row for <paramref name="kind"/> (the Pipe, the Queue or the Pool), if the seed has that case.</summary>
    public Measurement? FindPython(CaseKind kind)
        => PythonSystem.NameOf(kind) is { } name ? Find(name, kind) : null;

    /// <summary>
    /// <paramref name="row"/> relative to <paramref name="reference"/>: throughput divided by the reference's, or for
    /// ping-pong the p50 divided by the reference's p50 (so above 1 is slower there).
    /// </summary>
    public static double? Ratio(Measurement row, Measurement? reference)
    {
        if (reference is null || !row.HasFigures)
        {
            return null;
        }

        if (row.Case.IsLatency)
        {
            return row.P50Microseconds / reference.P50Microseconds;
        }

        return row.MessagesPerSecond / reference.MessagesPerSecond;
    }

    /// <summary>"Higher is better" speed relative to the baseline: throughput ratio, or baseline p50 over this p50 for ping-pong.</summary>
    public double? SpeedupOverBaseline(Measurement row)
    {
        double? ratio = Ratio(row, Find(SystemNames.HandWritten, row.Case.Kind));
        return row.Case.IsLatency && ratio is > 0 ? 1 / ratio : ratio;
    }
}
