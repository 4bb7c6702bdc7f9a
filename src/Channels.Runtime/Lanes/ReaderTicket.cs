using System.Runtime.CompilerServices;

namespace Channels.Lanes;

/// <summary>
/// The right of one thread to read a lane without taking its consumer lock (see <see cref="LaneReader{T}"/>): a lane
/// holds the ticket of the thread that owns it, set and replaced only by a holder of that lock. Each thread has one
/// ticket for every lane it owns, so taking a lane allocates nothing. The thread counts in its own ticket the reads it
/// is inside of, so a thread whose lane was taken from it a moment ago, and that has not noticed yet, never touches the
/// count of the thread that took it.
/// </summary>
internal sealed class ReaderTicket
{
    [ThreadStatic]
    private static ReaderTicket? t_current;

    private ReaderTicket()
    {
    }

    /// <summary>Nobody owns the lane: the next read under the lock takes it, without waiting for anyone.</summary>
    public static ReaderTicket Nobody { get; } = new();

    /// <summary>Readers on several threads take turns: every read takes the lock.</summary>
    public static ReaderTicket Shared { get; } = new();

    /// <summary>The calling thread's ticket.</summary>
    public static ReaderTicket Current
    {
        // Inlined, the hot path is one thread-static read; the first call of a thread makes its ticket out of line.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => t_current ?? Create();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ReaderTicket Create() => t_current = new ReaderTicket();

    /// <summary>Whether this is a thread's ticket rather than <see cref="Nobody"/> or <see cref="Shared"/>.</summary>
    public bool IsThread => this != Nobody && this != Shared;

    /// <summary>
    /// How many reads under this ticket its thread is inside of (one, or more when a read of one lane reads another);
    /// written by that thread only.
    /// </summary>
    public int Busy;
}
