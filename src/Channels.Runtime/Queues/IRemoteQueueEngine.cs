using System.Buffers;

namespace Channels.Queues;

/// <summary>
/// An engine whose every operation is a round trip to a server (JetStream). The asynchronous operations of
/// <see cref="QueueLane{T}"/> go through these methods only, awaiting the server, and wait for a condition (room, an
/// item, a join, the server coming back) by polling it asynchronously, <see cref="PollMs"/> apart: a thread blocked on
/// a server call needs another thread-pool thread to take the server's answer, so dozens of asynchronous calls each
/// blocking one starve the pool that must finish them. Only a get's wait while the queue is open is held by the
/// server instead (<see cref="TryGetAsync"/>). The synchronous calls use the synchronous protocol of
/// <see cref="IQueueEngine"/>.
/// </summary>
internal interface IRemoteQueueEngine : IQueueEngine
{
    /// <summary>How long an asynchronous wait sleeps between two checks of the server, in milliseconds.</summary>
    int PollMs { get; }

    /// <summary>Puts <paramref name="item"/> if the server takes it now; the array is the call's own (not copied).</summary>
    /// <exception cref="System.Threading.Channels.ChannelClosedException">The queue is closed.</exception>
    ValueTask<bool> TryPutAsync(byte[] item);

    /// <summary>
    /// Takes the oldest item, waiting for one at most <paramref name="timeoutMs"/> (<see cref="QueueWaits.Infinite"/>:
    /// no limit) while the queue is open (at the server: no polling), and hands its bytes to <paramref name="take"/>
    /// (valid only during the call), which decodes or copies them and returns true. False when none came in time,
    /// when the queue is closed and none is ready, or when the server cannot be reached now: the caller then tells a
    /// drained queue (<see cref="IQueueEngine.IsClosed"/> and a <see cref="CountAsync"/> of 0) from an empty one.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before an item was taken.</exception>
    ValueTask<bool> TryGetAsync<TState>(Func<TState, ReadOnlySequence<byte>, bool> take, TState state, int timeoutMs, CancellationToken cancellationToken);

    /// <summary><see cref="IQueueEngine.Count"/> without holding a thread: the last known count while the server is away.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask<int> CountAsync(CancellationToken cancellationToken);

    /// <summary><see cref="IQueueEngine.Holds"/> without holding a thread: false while the server is away.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask<bool> HoldsAsync(QueueCondition condition, int itemBytes, CancellationToken cancellationToken);
}
