namespace Channels.Benchmarks.SideBySide;

/// <summary>The measured cases, in the order of the table.</summary>
public enum CaseKind
{
    /// <summary>Throughput of small records (int, double, 16-char string), parent to child.</summary>
    Small,

    /// <summary>Throughput of an unmanaged 32-byte struct, parent to child.</summary>
    Struct32,

    /// <summary>Throughput of 1 KiB byte arrays, parent to child.</summary>
    Bytes1K,

    /// <summary>Throughput of 64 KiB byte arrays, parent to child.</summary>
    Bytes64K,

    /// <summary>Round-trip latency of one small record.</summary>
    PingPong,

    /// <summary>Round-trip latency of one <c>CallAsync</c> of a small record on a call lane of the same link as <see cref="PingPong"/>.</summary>
    CallRoundTrip,

    /// <summary>Queue throughput, one producer process and one consumer process.</summary>
    Queue1P1C,

    /// <summary>Queue throughput, two producer processes and two consumer processes.</summary>
    Queue2P2C,

    /// <summary>Queue throughput, four producer processes and four consumer processes.</summary>
    Queue4P4C,

    /// <summary>Queue throughput over JetStream on a local nats-server, one producer process and one consumer process.</summary>
    QueueJetStream1P1C,

    /// <summary>A process pool's ordered map of x*x over ints (Python <c>Pool.map</c>), tasks per second.</summary>
    PoolMap,

    /// <summary>A process pool's unordered map of x*x, one item per message (Python <c>imap_unordered</c>, chunk size 1), tasks per second.</summary>
    PoolUnordered,

    /// <summary>CPU-bound tasks of about 5 ms each on a pool of one worker and of two workers, tasks per second.</summary>
    PoolCpu,
}
