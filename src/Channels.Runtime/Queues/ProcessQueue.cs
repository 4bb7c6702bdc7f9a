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
/// <para><b>Where it lives</b>: on one machine, in a shared-memory segment of the hosting process (a file of mode
/// 0600 in the 0700 runtime directory); every process puts and gets directly in it, without a round trip to the
/// host. The host watches each member over an authenticated link and repairs after a member that dies (see
/// docs/queues.md).</para>
/// <para><b>Delivery</b> is Python's: an item leaves the queue exactly when a <see cref="Get"/>, <see cref="TryGet"/>,
/// <see cref="GetAsync(CancellationToken)"/> or <c>Reader.ReadAsync</c> returns it, and not before; no process holds
/// items it has not got, so the sentinel idiom works for any number of producers and consumers. First in, first out
/// as the queue sees the puts. A put that returned is never lost while the host lives.
/// <b>Capacity</b> (<see cref="QueueAttribute.Capacity"/>) bounds <see cref="Count"/>; a put waits while it is
/// reached.</para>
/// <para><b>Redelivery</b> (<see cref="QueueAttribute.Redeliver"/>, chosen in the contract): an item got and not yet
/// settled with <see cref="TaskDone"/> is put back for another consumer when the process that got it ends first
/// (exits, crashes, is killed, or stops answering for <see cref="ChannelOptions.PeerTimeout"/>). Without it, an item
/// got is gone from the queue, as in Python.</para>
/// <para><b>TaskDone and Join</b> follow <c>JoinableQueue</c>: every item put is matched by one
/// <see cref="TaskDone"/> in the process that got it; <see cref="Join"/> waits until that has happened for every item.
/// TaskDone settles the oldest item this process got and has not settled. Items got by a process that ended without
/// settling them are settled for it by the host (or, with redelivery, put back).</para>
/// <para><b>Closing</b>: <see cref="Writer"/>'s <see cref="ChannelWriter{T}.Complete"/> (from any process) closes the
/// queue for everyone, as completing a <see cref="Channel{T}"/> does: puts fail with
/// <see cref="ChannelClosedException"/>, gets go on until the queue is drained, then fail with
/// <see cref="ChannelClosedException"/>, and <c>Reader.ReadAllAsync()</c> ends in every process. Python has no
/// such operation. An exception passed to <c>Complete</c> is not carried to other processes.</para>
/// <para><b>Host loss</b>: when the hosting process ends or stops answering for <see cref="ChannelOptions.PeerTimeout"/>,
/// every pending and later operation in the other processes ends with <see cref="PeerLostException"/>.</para>
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

    /// <summary>The typed operations behind this queue (tests and diagnostics).</summary>
    internal QueueLane<T> Lane => _lane;

    /// <summary>The queue's name, <c>Contract.Lane</c>.</summary>
    public string Name => _lane.Name;

    /// <summary>The most items the queue holds across all processes (Python's <c>maxsize</c>); 0 means unbounded.</summary>
    public int Capacity => _lane.Capacity;

    /// <summary>
    /// The items a get could return now, in all processes (Python's <c>qsize()</c>). Like Python's, the value may be
    /// out of date by the time it is used.
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
    /// (Python's <c>task_done()</c>). In a redelivery queue the item is kept until then, to be delivered again if
    /// this process ends first.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called more times than this process got items from the queue.</exception>
    public void TaskDone() => _lane.TaskDone();

    /// <summary>Blocks until every item ever put has been got and settled with <see cref="TaskDone"/> (Python's <c>join()</c>).</summary>
    /// <exception cref="PeerLostException">The hosting process is gone.</exception>
    public void Join(CancellationToken cancellationToken = default) => _lane.Join(cancellationToken);

    /// <summary>Waits until every item ever put has been got and settled with <see cref="TaskDone"/>.</summary>
    public ValueTask JoinAsync(CancellationToken cancellationToken = default) => _lane.JoinAsync(cancellationToken);

    /// <inheritdoc/>
    public override string ToString() => $"ProcessQueue<{typeof(T).Name}> '{Name}' (capacity {Capacity})";
}
