using System.Diagnostics;

namespace Channels.Queues;

/// <summary>
/// What a queue host knows about one client on one lane: the items delivered to it that may still need
/// redelivery (oldest first), its credit, and the room reserved for its puts.
/// </summary>
[DebuggerDisplay("Client {Connection.Id}: in flight {InFlight.Count}, untaken {Untaken}, credit {Credit}, reserved {Reserved}")]
internal sealed class HostSubscriber<T>(QueueConnection connection)
{
    public QueueConnection Connection { get; } = connection;

    /// <summary>
    /// Delivered items not yet settled, oldest first: taken but not done, then untaken (TaskDone mode);
    /// untaken only (acknowledge-on-take mode).
    /// </summary>
    public ItemDeque<T> InFlight { get; } = new();

    /// <summary>Delivered but not yet got by the client's user: still counted in the queue's Count.</summary>
    public int Untaken;

    /// <summary>Got by the client's user and not yet TaskDone.</summary>
    public long Outstanding;

    /// <summary>How many more items the client accepts.</summary>
    public int Credit;

    /// <summary>Room granted and not yet used by a put.</summary>
    public int Reserved;

    /// <summary>Room asked for and not yet granted.</summary>
    public int WantRoom;

    public bool AcknowledgeOnTake;
    public bool Reading;
    public bool InConsumers;
    public bool InRoomWaiters;
    public bool Dead;
}
