namespace Channels.Transports;

/// <summary>
/// A transport whose received frames a waiting reader may take on its own thread (shared memory, a busy Unix socket):
/// instead of parking until the transport's receive thread delivers and wakes it (two thread wake-ups per message),
/// the reader polls for a while and delivers whatever arrived itself. Deliveries keep the <see cref="ILinkTransport"/> rules:
/// one thread at a time, in order, whole frames.
/// </summary>
internal interface IInlineReceiver
{
    /// <summary>How long (<see cref="System.Diagnostics.Stopwatch"/> ticks) a reader polls before it parks.</summary>
    long PollTicks { get; }

    /// <summary>Whether a polling reader spins hard (busy-spin) rather than pausing between polls.</summary>
    bool BusySpin { get; }

    /// <summary>
    /// Whether a poll is a system call (a socket) rather than a look at memory: the poller then reads the clock after
    /// every poll, which costs little next to one, instead of every 64.
    /// </summary>
    bool PollIsSystemCall { get; }

    /// <summary>Starts a polling session; false when the transport is stopping (do not poll, and do not end it).</summary>
    bool BeginPolling();

    /// <summary>Delivers every frame that has arrived, unless another thread is delivering; true when any was.</summary>
    bool Poll();

    /// <summary>Ends a session that <see cref="BeginPolling"/> started.</summary>
    /// <param name="parking">
    /// True when the poller gives up (nothing came, or it was cancelled) and will wait elsewhere: the transport's own
    /// receiving must resume at once. False when it got what it polled for and is likely to poll again soon: a
    /// transport may then leave receiving to pollers a little longer.
    /// </param>
    void EndPolling(bool parking);
}
