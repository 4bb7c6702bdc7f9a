namespace Channels.Benchmarks.SideBySide;

/// <summary>The medians of one system in one case, or why there are none.</summary>
public sealed record Measurement
{
    /// <summary>The system's display name.</summary>
    public required string System { get; init; }

    /// <summary>The case.</summary>
    public required CaseSpec Case { get; init; }

    /// <summary>Median messages (items) per second.</summary>
    public double? MessagesPerSecond { get; init; }

    /// <summary>Median payload megabytes (10^6 bytes) per second.</summary>
    public double? MegabytesPerSecond { get; init; }

    /// <summary>Median of the per-run round-trip medians, in microseconds.</summary>
    public double? P50Microseconds { get; init; }

    /// <summary>Median of the per-run 99th percentiles, in microseconds.</summary>
    public double? P99Microseconds { get; init; }

    /// <summary>Bytes the sending process allocated per message in the timed rounds (median).</summary>
    public double? SendAllocatedPerMessage { get; init; }

    /// <summary>Bytes the receiving process allocated per message in the timed rounds (median).</summary>
    public double? ReceiveAllocatedPerMessage { get; init; }

    /// <summary>The individual runs, for the detail column ("6.1M, 6.4M, 5.9M").</summary>
    public IReadOnlyList<double> Runs { get; init; } = [];

    /// <summary>Why the system has no figure here (not merged, failed, not applicable), or a remark.</summary>
    public string? Note { get; init; }

    /// <summary>Whether the case produced figures.</summary>
    public bool HasFigures => MessagesPerSecond is not null || P50Microseconds is not null;

    /// <summary>A row without figures.</summary>
    public static Measurement Missing(string system, CaseSpec spec, string note) => new() { System = system, Case = spec, Note = note };
}
