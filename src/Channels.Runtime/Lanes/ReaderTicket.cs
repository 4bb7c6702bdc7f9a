namespace Channels.Lanes;

/// <summary>
/// The right of one thread to read a lane without taking its consumer lock (see <see cref="LaneReader{T}"/>): issued
/// and revoked only by a holder of that lock. The thread marks itself busy in its own ticket, so a thread whose ticket
/// was revoked a moment ago, and that has not noticed yet, never touches the mark of the ticket that replaced it.
/// </summary>
internal sealed class ReaderTicket
{
    /// <summary>Nobody owns the lane: the next read under the lock takes it, without waiting for anyone.</summary>
    public static readonly ReaderTicket Nobody = new(null);

    /// <summary>Readers on several threads take turns: every read takes the lock.</summary>
    public static readonly ReaderTicket Shared = new(null);

    /// <summary>A ticket for <paramref name="thread"/> (a <see cref="ThreadToken"/>; null for the two markers).</summary>
    public ReaderTicket(object? thread) => Thread = thread;

    /// <summary>The thread that may read without the lock; null for <see cref="Nobody"/> and <see cref="Shared"/>.</summary>
    public object? Thread { get; }

    /// <summary>1 while <see cref="Thread"/> reads under this ticket; written by that thread only.</summary>
    public int Busy;
}
