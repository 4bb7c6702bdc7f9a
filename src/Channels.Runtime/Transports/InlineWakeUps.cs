namespace Channels.Transports;

/// <summary>
/// The wake-ups that a receive thread runs itself. While a receive thread delivers the frames of one receive, a
/// lane that wakes a parked reader or writer hands the wake-up here instead of to the thread pool; after the last
/// frame, outside every lock, the receive thread runs the last one (earlier ones go to the thread pool). A reader's
/// continuation then runs on the thread the kernel woke, with no thread hop: a request/response exchange answers
/// from there, as a hand-written blocking loop would.
/// </summary>
/// <remarks>
/// A continuation run this way holds up receiving until it awaits again; the transport replaces a receive thread
/// that does not come back soon (see <see cref="UnixSocket.ReceiveWatchdog"/>), so user code that blocks in it
/// stalls its link only briefly.
/// </remarks>
internal sealed class InlineWakeUps
{
    [ThreadStatic]
    private static InlineWakeUps? t_collecting;

    private IThreadPoolWorkItem? _last;

    /// <summary>Collects the wake-ups of this thread from now until <see cref="EndCollecting"/>.</summary>
    public void BeginCollecting() => t_collecting = this;

    /// <summary>Stops collecting and returns the wake-up to run now, if any.</summary>
    public IThreadPoolWorkItem? EndCollecting()
    {
        t_collecting = null;
        IThreadPoolWorkItem? last = _last;
        _last = null;
        return last;
    }

    /// <summary>
    /// Takes <paramref name="wakeUp"/> when this thread is a receive thread delivering frames (it runs it after
    /// them); false otherwise, and the caller queues it to the thread pool.
    /// </summary>
    public static bool TryDefer(IThreadPoolWorkItem wakeUp)
    {
        InlineWakeUps? collecting = t_collecting;
        if (collecting is null)
            return false;
        if (collecting._last is { } earlier)
            ThreadPool.UnsafeQueueUserWorkItem(earlier, preferLocal: false);
        collecting._last = wakeUp;
        return true;
    }
}
