using System.Buffers;

namespace Channels.Queues;

/// <summary>
/// An engine whose every operation is a round trip to a server (JetStream): the asynchronous put and get of
/// <see cref="QueueLane{T}"/> make their first attempt through these methods and await the server, instead of
/// blocking a thread on the synchronous <see cref="IQueueEngine"/> call for the whole round trip (a thread per call in
/// flight, and a wake-up of the blocked thread after every answer). Waiting for room or for an item still goes through
/// the synchronous protocol of <see cref="IQueueEngine"/>, except a get's wait while the queue is open, which the
/// server holds (<see cref="TryGetAsync"/>).
/// </summary>
internal interface IRemoteQueueEngine : IQueueEngine
{
    /// <summary>Puts <paramref name="item"/> if the server takes it now; the array is the call's own (not copied).</summary>
    /// <exception cref="System.Threading.Channels.ChannelClosedException">The queue is closed.</exception>
    ValueTask<bool> TryPutAsync(byte[] item);

    /// <summary>
    /// Takes the oldest item, waiting for one at most <paramref name="timeoutMs"/> (<see cref="QueueWaits.Infinite"/>:
    /// no limit) while the queue is open (at the server: no polling), and hands its bytes to <paramref name="take"/>
    /// (valid only during the call), which decodes or copies them and returns true. False when none came in time,
    /// when the queue is closed and none is ready, or when the server cannot be reached now: the caller then goes on
    /// through the synchronous protocol, which tells a drained queue from an empty one.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before an item was taken.</exception>
    ValueTask<bool> TryGetAsync<TState>(Func<TState, ReadOnlySequence<byte>, bool> take, TState state, int timeoutMs, CancellationToken cancellationToken);
}
