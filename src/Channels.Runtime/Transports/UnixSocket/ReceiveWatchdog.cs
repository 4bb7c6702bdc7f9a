using System.Diagnostics;

namespace Channels.Transports.UnixSocket;

/// <summary>
/// Watches the receive threads of busy Unix socket links while they run a continuation (<see cref="InlineWakeUps"/>):
/// a link whose receive thread has not come back from one within <see cref="StallTicks"/> gets a new receive thread,
/// so user code that blocks or computes in a continuation (waiting for credit that this very link must receive, say)
/// never keeps its link from receiving for long. One timer for the process, running only while some link receives on
/// a thread of its own.
/// </summary>
internal static class ReceiveWatchdog
{
    /// <summary>How long a continuation may hold a receive thread before the link gets another one (20 ms).</summary>
    public static readonly long StallTicks = Stopwatch.Frequency / 50;

    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(10);
    private static readonly Lock s_lock = new();
    private static readonly List<UnixSocketTransport> s_watched = [];
    private static Timer? s_timer;

    /// <summary>A link's receive thread started (not one that replaced a stalled thread).</summary>
    public static void Watch(UnixSocketTransport transport)
    {
        lock (s_lock)
        {
            s_watched.Add(transport);
            if (s_watched.Count == 1)
            {
                if (s_timer is null)
                {
                    using (ExecutionContext.SuppressFlow())
                        s_timer = new Timer(static _ => Tick(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                }
                s_timer.Change(Period, Period);
            }
        }
    }

    /// <summary>A link's receive thread ended (the link went quiet, or ended).</summary>
    public static void Unwatch(UnixSocketTransport transport)
    {
        lock (s_lock)
        {
            s_watched.Remove(transport);
            if (s_watched.Count == 0)
                s_timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private static void Tick()
    {
        long now = Stopwatch.GetTimestamp();
        lock (s_lock)
        {
            foreach (UnixSocketTransport transport in s_watched)
                transport.ReplaceIfStalled(now);
        }
    }
}
