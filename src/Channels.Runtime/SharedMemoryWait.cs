namespace Channels;

/// <summary>How a side of a shared-memory link waits for the other: for a message to read, or for room to write.</summary>
public enum SharedMemoryWait
{
    /// <summary>
    /// A reader that waits polls the ring on its own thread for about 50 µs, then sleeps on a futex; the other side
    /// makes the wake-up system call only when this side sleeps. Low latency under load, no CPU burnt when idle.
    /// The default.
    /// </summary>
    SpinThenPark,

    /// <summary>
    /// A reader that waits polls the ring on its own thread without pausing for up to 2 ms before it sleeps, and a
    /// writer waiting for room never sleeps: the lowest latency, for a busy core per waiting side. Use only with a
    /// core to spare per waiting side.
    /// </summary>
    BusySpin,
}
