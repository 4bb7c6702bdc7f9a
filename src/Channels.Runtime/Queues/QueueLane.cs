using System.Diagnostics.CodeAnalysis;

namespace Channels.Queues;

/// <summary>
/// The operations behind a <see cref="ProcessQueue{T}"/>: implemented by the hosting process's engine
/// (<see cref="HostQueue{T}"/>) and by a client of a remote host (<see cref="ClientQueue{T}"/>).
/// Timeouts are in milliseconds, <see cref="QueueWaits.Infinite"/> meaning forever.
/// </summary>
internal abstract class QueueLane<T>
{
    protected QueueLane(string name, int capacity)
    {
        Name = name;
        Capacity = capacity;
    }

    /// <summary>"Contract.Lane", for messages.</summary>
    public string Name { get; }

    /// <summary>The most items not yet got, across all processes; 0 means unbounded.</summary>
    public int Capacity { get; }

    public abstract int Count { get; }

    public abstract bool TryPut(T item);

    public abstract ValueTask PutAsync(T item, int timeoutMs, CancellationToken cancellationToken);

    public abstract void Put(T item, int timeoutMs, CancellationToken cancellationToken);

    public abstract bool TryGet([MaybeNullWhen(false)] out T item);

    public ValueTask<T> GetAsync(int timeoutMs, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<T>(cancellationToken);
        QueueWaiter<T>? waiter = BeginGet(timeoutMs, out T item);
        return waiter is null ? new ValueTask<T>(item) : QueueWaits.WaitAsync(waiter, timeoutMs, EmptyTimeout, cancellationToken);
    }

    public T Get(int timeoutMs, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        QueueWaiter<T>? waiter = BeginGet(timeoutMs, out T item);
        return waiter is null ? item : QueueWaits.Wait(waiter, timeoutMs, EmptyTimeout, cancellationToken);
    }

    /// <summary>Takes an item at once (the result is null) or queues a waiter that a later item or the timeout completes.</summary>
    protected abstract QueueWaiter<T>? BeginGet(int timeoutMs, out T item);

    public abstract ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken);

    public abstract ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken);

    public abstract void TaskDone();

    public abstract ValueTask JoinAsync(CancellationToken cancellationToken);

    /// <summary>Closes the queue for every process: no more puts; readers end once it is drained.</summary>
    public abstract bool TryComplete(Exception? error);

    /// <summary>Completes when the queue is closed and drained.</summary>
    public abstract Task Completion { get; }

    protected Exception FullTimeout() => new QueueFullException($"Queue '{Name}' (capacity {Capacity}) stayed full until the put timed out.");

    protected Exception EmptyTimeout() => new QueueEmptyException($"Queue '{Name}' stayed empty until the get timed out.");
}
