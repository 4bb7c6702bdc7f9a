using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Channels.Queues;

namespace Channels;

/// <summary>
/// A bounded multi-producer, multi-consumer queue shared by many processes (Python's
/// <c>multiprocessing.JoinableQueue</c>), a lane of a queue contract. One process hosts it (the contract's
/// <c>Create</c>); any number of processes open it (<c>Open</c>, or by being handed it as a child) and put and get.
/// </summary>
/// <remarks>
/// <para><b>Capacity</b> (<see cref="QueueAttribute.Capacity"/>) bounds the items put and not yet got, across all
/// processes together: items waiting in the host plus items prefetched by consumers (see
/// <see cref="ChannelOptions.QueuePrefetch"/>). A put waits while the queue is full.</para>
/// <para><b>Delivery</b> is first in, first out as the host sees the puts, and at least once: an item got by a process
/// that ends before <see cref="TaskDone"/> (or, with <see cref="ChannelOptions.QueueAcknowledgeOnTake"/>, an item
/// prefetched but not yet got) goes back to the front of the queue for another consumer. Items that come back can
/// raise <see cref="Count"/> above <see cref="Capacity"/> for a while; puts wait until it is below again. No item is
/// lost while the hosting process lives.</para>
/// <para><b>TaskDone and Join</b> follow <c>JoinableQueue</c>: every item put must be matched by one
/// <see cref="TaskDone"/> in the process that got it; <see cref="Join"/> waits until that has happened for every item.
/// TaskDone settles the oldest item this process got and has not settled, so a process that gets items on several
/// threads at once settles them in the order it got them.</para>
/// <para><b>Closing</b>: <see cref="Writer"/>'s <see cref="ChannelWriter{T}.Complete"/> (from any process) closes the
/// queue for everyone, as completing a <see cref="Channel{T}"/> does: puts fail with
/// <see cref="ChannelClosedException"/>, gets go on until the queue is drained, then fail with
/// <see cref="ChannelClosedException"/>, and <c>Reader.ReadAllAsync()</c> ends in every process. Python has no
/// such operation; use it when the producers are known to be finished (for example after they exit). An exception
/// passed to <c>Complete</c> is seen only in the process that passed it; other processes see a plain close.</para>
/// <para>In a process that opened the queue remotely, <see cref="Count"/> asks the host (one round trip); operations
/// fail with <see cref="PeerLostException"/> once the hosting process is gone. A put there completes as soon as room
/// is reserved for the item and it is queued for sending (as Python's <c>put</c> returns before its feeder thread
/// has written the item), so an item put by a process that is killed within that moment can be lost; items
/// already sent are safe. Queue connections have no heartbeat yet: a consumer process that hangs without exiting
/// keeps the items it holds until it exits.</para>
/// <para>Throughput: with the default <see cref="ChannelOptions.QueuePrefetch"/> of 1 every get in a remote consumer
/// waits for one round trip to the host once its single prefetched item is taken; raise the prefetch for busy
/// consumers (hundreds of items) to move items in large batches.</para>
/// </remarks>
/// <typeparam name="T">The item type.</typeparam>
[DebuggerDisplay("ProcessQueue {Name}, capacity {Capacity}")]
public sealed class ProcessQueue<T>
{
    private readonly QueueLane<T> _lane;

    internal ProcessQueue(QueueLane<T> lane)
    {
        _lane = lane;
        Writer = new ProcessQueueWriter<T>(lane);
        Reader = new ProcessQueueReader<T>(lane);
    }

    /// <summary>The engine or client behind this queue (tests and diagnostics).</summary>
    internal QueueLane<T> Lane => _lane;

    /// <summary>The queue's name, <c>Contract.Lane</c>.</summary>
    public string Name => _lane.Name;

    /// <summary>The most items the queue holds across all processes (Python's <c>maxsize</c>); 0 means unbounded.</summary>
    public int Capacity => _lane.Capacity;

    /// <summary>
    /// The items put and not yet got, in all processes (Python's <c>qsize()</c>). Like Python's, the value may be
    /// out of date by the time it is used; in a process that is not the host it costs one round trip.
    /// </summary>
    public int Count => _lane.Count;

    /// <summary>
    /// A writer over this queue: <see cref="ChannelWriter{T}.WriteAsync"/> puts and waits for room,
    /// <see cref="ChannelWriter{T}.TryWrite"/> puts only if there is room now, <see cref="ChannelWriter{T}.Complete"/> closes the queue for every process.
    /// </summary>
    public ChannelWriter<T> Writer { get; }

    /// <summary>
    /// A reader over this queue, shared with the other consumers (each item goes to one of them):
    /// <c>await foreach (var item in queue.Reader.ReadAllAsync())</c> gets items until the queue is closed and drained.
    /// </summary>
    public ChannelReader<T> Reader { get; }

    /// <summary>Completes when the queue has been closed and every item got.</summary>
    public Task Completion => _lane.Completion;

    /// <summary>Puts <paramref name="item"/>, waiting for room at most <paramref name="timeout"/> (<see langword="null"/>: forever; <see cref="TimeSpan.Zero"/>: not at all).</summary>
    /// <exception cref="QueueFullException">The queue stayed full for the whole timeout.</exception>
    /// <exception cref="ChannelClosedException">The queue is closed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first; the item was not put.</exception>
    public void Put(T item, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => _lane.Put(item, QueueWaits.ToMilliseconds(timeout), cancellationToken);

    /// <summary>Puts <paramref name="item"/> if there is room now (Python's <c>put_nowait</c>, returning false instead of raising).</summary>
    /// <exception cref="ChannelClosedException">The queue is closed.</exception>
    public bool TryPut(T item) => _lane.TryPut(item);

    /// <summary>Puts <paramref name="item"/>, waiting as long as the queue is full.</summary>
    /// <exception cref="ChannelClosedException">The queue is closed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first; the item was not put.</exception>
    public ValueTask PutAsync(T item, CancellationToken cancellationToken = default)
        => _lane.PutAsync(item, QueueWaits.Infinite, cancellationToken);

    /// <summary>Puts <paramref name="item"/>, waiting for room at most <paramref name="timeout"/>.</summary>
    /// <exception cref="QueueFullException">The queue stayed full for the whole timeout.</exception>
    /// <exception cref="ChannelClosedException">The queue is closed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first; the item was not put.</exception>
    public ValueTask PutAsync(T item, TimeSpan timeout, CancellationToken cancellationToken = default)
        => _lane.PutAsync(item, QueueWaits.ToMilliseconds(timeout), cancellationToken);

    /// <summary>Gets the next item, waiting at most <paramref name="timeout"/> (<see langword="null"/>: forever; <see cref="TimeSpan.Zero"/>: not at all).</summary>
    /// <exception cref="QueueEmptyException">The queue stayed empty for the whole timeout.</exception>
    /// <exception cref="ChannelClosedException">The queue is closed and drained.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first; no item was taken.</exception>
    public T Get(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => _lane.Get(QueueWaits.ToMilliseconds(timeout), cancellationToken);

    /// <summary>Gets an item if one is ready now (Python's <c>get_nowait</c>, returning false instead of raising).</summary>
    public bool TryGet([MaybeNullWhen(false)] out T item) => _lane.TryGet(out item);

    /// <summary>Gets the next item, waiting as long as the queue is empty.</summary>
    /// <exception cref="ChannelClosedException">The queue is closed and drained.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first; no item was taken.</exception>
    public ValueTask<T> GetAsync(CancellationToken cancellationToken = default)
        => _lane.GetAsync(QueueWaits.Infinite, cancellationToken);

    /// <summary>Gets the next item, waiting at most <paramref name="timeout"/>.</summary>
    /// <exception cref="QueueEmptyException">The queue stayed empty for the whole timeout.</exception>
    /// <exception cref="ChannelClosedException">The queue is closed and drained.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first; no item was taken.</exception>
    public ValueTask<T> GetAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
        => _lane.GetAsync(QueueWaits.ToMilliseconds(timeout), cancellationToken);

    /// <summary>
    /// Tells the queue that the oldest item this process got and has not yet settled is processed
    /// (Python's <c>task_done()</c>). Until then the host keeps it, to deliver it again if this process dies.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called more times than this process got items from the queue.</exception>
    public void TaskDone() => _lane.TaskDone();

    /// <summary>Blocks until every item ever put has been got and settled with <see cref="TaskDone"/> (Python's <c>join()</c>).</summary>
    public void Join() => _lane.JoinAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <summary>Waits until every item ever put has been got and settled with <see cref="TaskDone"/>.</summary>
    public ValueTask JoinAsync(CancellationToken cancellationToken = default) => _lane.JoinAsync(cancellationToken);

    /// <inheritdoc/>
    public override string ToString() => $"ProcessQueue<{typeof(T).Name}> '{Name}' (capacity {Capacity})";
}
