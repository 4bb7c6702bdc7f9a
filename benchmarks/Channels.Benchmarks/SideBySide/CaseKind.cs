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

    /// <summary>Queue throughput, one producer process and one consumer process.</summary>
    Queue1P1C,

    /// <summary>Queue throughput, two producer processes and two consumer processes.</summary>
    Queue2P2C,

    /// <summary>Queue throughput, four producer processes and four consumer processes.</summary>
    Queue4P4C,
}
