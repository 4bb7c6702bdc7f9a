namespace Channels;

/// <summary>How a side of a shared-memory link waits for the other: for a message to read, or for room to write.</summary>
public enum SharedMemoryWait
{
    /// <summary>
    /// Spin a few microseconds, then sleep on a futex; the other side makes the wake-up system call only when this
    /// side sleeps. Low latency under load, no CPU burnt when idle. The default.
    /// </summary>
    SpinThenPark,

    /// <summary>
    /// Never sleep: keep a core busy polling the ring, for the lowest latency. Use only with a core to spare per
    /// waiting side.
    /// </summary>
    BusySpin,
}
