using System.Runtime.CompilerServices;

namespace Channels.Lanes;

/// <summary>
/// The right of one thread to append to a lane's stage without taking the link's send lock (see
/// <see cref="Wire.LaneStage"/>): the stage holds the ticket of the thread that owns it, set and replaced only under
/// that lock. Each thread has one ticket for every stage it owns, so taking a stage allocates nothing. The thread
/// counts in its own ticket the appends it is inside of, so a thread whose stage was taken from it a while ago, and
/// that has not noticed yet, never clears the mark of the thread that owns the stage now.
/// </summary>
internal sealed class WriterTicket
{
    [ThreadStatic]
    private static WriterTicket? t_current;

    private WriterTicket()
    {
    }

    /// <summary>Nobody owns the stage: the next write under the lock takes it, without waiting for anyone.</summary>
    public static WriterTicket Nobody { get; } = new();

    /// <summary>Writers on several threads take turns: every write takes the lock and the stage stays empty.</summary>
    public static WriterTicket Shared { get; } = new();

    /// <summary>The calling thread's ticket (one thread-static read).</summary>
    public static WriterTicket Current
    {
        // Inlined, the hot path is one thread-static read; the first call of a thread makes its ticket out of line.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => t_current ?? Create();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WriterTicket Create() => t_current = new WriterTicket();

    /// <summary>Whether this is a thread's ticket rather than <see cref="Nobody"/> or <see cref="Shared"/>.</summary>
    public bool IsThread => this != Nobody && this != Shared;

    /// <summary>How many appends under this ticket its thread is inside of; written by that thread only.</summary>
    public int Busy;
}
