using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Channels.Lanes;

/// <summary>
/// The right of one thread to use one side of a lane without its lock: a lane's reader (see
/// <see cref="LaneReader{T}"/>) or a lane's stage (see <see cref="Wire.LaneStage"/>) holds the ticket of the thread that
/// owns it, set and replaced only by a holder of that lock. Each thread has one ticket for everything it owns, so
/// taking a lane allocates nothing. The thread counts in its own ticket the reads and appends it is inside of, so a
/// thread whose lane was taken from it a moment ago, and that has not noticed yet, never touches the count of the
/// thread that took it.
/// </summary>
/// <remarks>
/// A revoker waits until the previous owner's count is zero, whichever lane that thread is inside of: the wait lasts
/// one read or append. Revocations happen under the lanes' locks, outside reads and appends, so no thread waits for
/// another while its own count is above zero and two threads never wait for each other; only a codec that read or
/// wrote a lane from inside its own decode or encode could (generated codecs never do).
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal sealed class ThreadTicket
{
    [ThreadStatic]
    private static ThreadTicket? t_current;

    private ThreadTicket()
    {
    }

    /// <summary>Nobody owns the lane's side: the next use under the lock takes it, without waiting for anyone.</summary>
    public static ThreadTicket Nobody { get; } = new();

    /// <summary>Threads take turns: every use takes the lock, until one thread has used the side enough in a row.</summary>
    public static ThreadTicket Shared { get; } = new();

    /// <summary>The calling thread's ticket.</summary>
    public static ThreadTicket Current
    {
        // Inlined, the hot path is one thread-static read; the first call of a thread makes its ticket out of line.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => t_current ?? Create();
    }

    /// <summary>Whether this is a thread's ticket rather than <see cref="Nobody"/> or <see cref="Shared"/>.</summary>
    public bool IsThread => this != Nobody && this != Shared;

    /// <summary>
    /// How many reads and appends under this ticket its thread is inside of (one, or more when a read of one lane
    /// reads another); written by that thread only.
    /// </summary>
    // Alone on its cache line (64 bytes of the object on either side): threads write their own count on every read and
    // append, and two tickets allocated next to each other would otherwise bounce one line between their cores.
    [FieldOffset(64)]
    public int Busy;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ThreadTicket Create() => t_current = new ThreadTicket();
}
