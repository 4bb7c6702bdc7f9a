namespace Channels.Benchmarks.SideBySide;

/// <summary>One case with its message count after scaling.</summary>
/// <param name="Kind">Which case.</param>
/// <param name="Label">The name in the table and the chart.</param>
/// <param name="Count">Messages per timed round (round trips for ping-pong and calls, items for queues, tasks for pools).</param>
/// <param name="PayloadBytes">Payload bytes per message for MB/s, or 0 where the case reports no MB/s.</param>
public sealed record CaseSpec(CaseKind Kind, string Label, int Count, int PayloadBytes)
{
    /// <summary>Whether this case measures one-way throughput between a pair of processes.</summary>
    public bool IsThroughput => Kind is CaseKind.Small or CaseKind.Struct32 or CaseKind.Bytes1K or CaseKind.Bytes64K;

    /// <summary>Whether this case measures round-trip latency (p50/p99) rather than throughput.</summary>
    public bool IsLatency => Kind is CaseKind.PingPong or CaseKind.CallRoundTrip;

    /// <summary>Whether this case is measured between a parent and one receiving end (<see cref="PairDriver"/>).</summary>
    public bool IsPair => IsThroughput || IsLatency;

    /// <summary>Whether this case measures a queue shared by several processes.</summary>
    public bool IsQueue => Kind is CaseKind.Queue1P1C or CaseKind.Queue2P2C or CaseKind.Queue4P4C or CaseKind.QueueJetStream1P1C;

    /// <summary>Whether this case measures a process pool.</summary>
    public bool IsPool => Kind is CaseKind.PoolMap or CaseKind.PoolUnordered or CaseKind.PoolCpu;

    /// <summary>
    /// The cases with the Python seed's counts (<c>bench_multiprocessing.py</c>) times <paramref name="scale"/>,
    /// rounded the way Python's <c>int()</c> does, so both sides send exactly the same number of messages. The cases
    /// the seed does not have (calls, JetStream, the CPU-bound pool) get counts sized for a few seconds per round.
    /// </summary>
    public static IReadOnlyList<CaseSpec> All(double scale) =>
    [
        new(CaseKind.Small, "small record", Scaled(1_000_000, scale), 0),
        new(CaseKind.Struct32, "struct 32 B", Scaled(1_000_000, scale), 32),
        new(CaseKind.Bytes1K, "1 KiB", Scaled(200_000, scale), 1024),
        new(CaseKind.Bytes64K, "64 KiB", Scaled(20_000, scale), 64 * 1024),
        new(CaseKind.PingPong, "ping-pong", Scaled(20_000, scale), 0),
        new(CaseKind.CallRoundTrip, "call round trip", Scaled(20_000, scale), 0),
        new(CaseKind.Queue1P1C, "queue 1P/1C", Scaled(200_000, scale), 0),
        new(CaseKind.Queue2P2C, "queue 2P/2C", Scaled(200_000, scale), 0),
        new(CaseKind.Queue4P4C, "queue 4P/4C", Scaled(200_000, scale), 0),
        new(CaseKind.QueueJetStream1P1C, "queue 1P/1C JetStream", Scaled(10_000, scale), 0),
        new(CaseKind.PoolMap, "pool map x*x", Scaled(200_000, scale), 0),
        new(CaseKind.PoolUnordered, "pool imap_unordered x*x, chunk 1", Scaled(20_000, scale), 0),
        new(CaseKind.PoolCpu, "pool CPU task ~5 ms", Scaled(400, scale), 0),
    ];

    private static int Scaled(int count, double scale) => Math.Max(1, (int)(count * scale));
}
