using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Channels.Contracts;

namespace Channels.Queues;

/// <summary>
/// The typed operations of a <see cref="ProcessQueue{T}"/> over an <see cref="IQueueEngine"/>: encoding and decoding
/// through the lane codec, Python's blocking and timeout semantics (try, spin, then sleep on the engine's shared
/// condition), and asynchronous waits parked on a <see cref="QueueWaiterPump"/>. Written once for every engine.
/// </summary>
internal sealed class QueueLane<T>
{
    private const int SpinTries = 64;
    private const int SpinIterations = 20;

    private readonly IQueueEngine _engine;
    private readonly ILaneCodec<T> _codec;
    private readonly Lock _pumpLock = new();
    private QueueWaiterPump? _getPump;
    private QueueWaiterPump? _putPump;
    private QueueWaiterPump? _joinPump;
    private Task? _completion;

    public QueueLane(IQueueEngine engine, ILaneCodec<T> codec)
    {
        _engine = engine;
        _codec = codec;
    }

    public IQueueEngine Engine => _engine;

    public string Name => _engine.Name;

    public int Capacity => _engine.Capacity;

    public int Count => _engine.Count;

    public bool TryPut(T item) => _engine.TryPut(Encode(item).Written);

    public void Put(T item, int timeoutMs, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        QueueScratch scratch = Encode(item);
        if (_engine.TryPut(scratch.Written))
            return;
        if (timeoutMs != 0 && Spin(scratch, put: true, out _))
            return;
        long start = Environment.TickCount64;
        using var wake = WakeOnCancel(QueueCondition.NotFull, cancellationToken);
        while (true)
        {
            int slice = QueueWaits.NextSlice(start, timeoutMs);
            int token = _engine.PrepareWait(QueueCondition.NotFull);
            try
            {
                if (_engine.TryPut(scratch.Written))
                    return;
                if (slice == 0)
                    throw QueueThrow.Full(Name, Capacity);
                cancellationToken.ThrowIfCancellationRequested();
                _engine.Sleep(QueueCondition.NotFull, token, slice);
            }
            finally
            {
                _engine.EndWait(QueueCondition.NotFull);
            }
        }
    }

    public ValueTask PutAsync(T item, int timeoutMs, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled(cancellationToken);
        QueueScratch scratch = Encode(item);
        if (_engine.TryPut(scratch.Written) || (timeoutMs != 0 && Spin(scratch, put: true, out _)))
            return ValueTask.CompletedTask;
        if (timeoutMs == 0)
            return ValueTask.FromException(QueueThrow.Full(Name, Capacity));
        var waiter = new QueueWaiters.Put(_engine, scratch.Written);
        waiter.Arm(timeoutMs, cancellationToken);
        Pump(ref _putPump, QueueCondition.NotFull).Add(waiter);
        return new ValueTask(waiter.Task);
    }

    public bool TryGet([MaybeNullWhen(false)] out T item)
    {
        if (TryGetCore(out item, out _))
            return true;
        item = default;
        return false;
    }

    public T Get(int timeoutMs, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (TryGetCore(out T item, out bool drained))
            return item;
        if (drained)
            throw QueueThrow.Drained(Name);
        if (timeoutMs != 0 && Spin(null, put: false, out item))
            return item;
        long start = Environment.TickCount64;
        using var wake = WakeOnCancel(QueueCondition.NotEmpty, cancellationToken);
        while (true)
        {
            int slice = QueueWaits.NextSlice(start, timeoutMs);
            int token = _engine.PrepareWait(QueueCondition.NotEmpty);
            try
            {
                if (TryGetCore(out item, out drained))
                    return item;
                if (drained)
                    throw QueueThrow.Drained(Name);
                if (slice == 0)
                    throw QueueThrow.Empty(Name);
                cancellationToken.ThrowIfCancellationRequested();
                _engine.Sleep(QueueCondition.NotEmpty, token, slice);
            }
            finally
            {
                _engine.EndWait(QueueCondition.NotEmpty);
            }
        }
    }

    public ValueTask<T> GetAsync(int timeoutMs, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<T>(cancellationToken);
        try
        {
            if (TryGetCore(out T item, out bool drained) || (!drained && timeoutMs != 0 && Spin(null, put: false, out item)))
                return new ValueTask<T>(item);
            if (drained)
                return ValueTask.FromException<T>(QueueThrow.Drained(Name));
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<T>(ex);
        }
        if (timeoutMs == 0)
            return ValueTask.FromException<T>(QueueThrow.Empty(Name));
        var waiter = new QueueWaiters.Get<T>(this);
        waiter.Arm(timeoutMs, cancellationToken);
        Pump(ref _getPump, QueueCondition.NotEmpty).Add(waiter);
        return new ValueTask<T>(waiter.Task);
    }

    /// <summary>Takes and decodes an item; <paramref name="drained"/> when there is none and the queue is closed.</summary>
    internal bool TryGetCore(out T item, out bool drained)
    {
        QueueScratch scratch = QueueScratch.Current;
        if (_engine.TryGet(ref scratch.GetBuffer, out int length))
        {
            drained = false;
            item = _codec.Decode(new ReadOnlySequence<byte>(scratch.GetBuffer, 0, length));
            return true;
        }
        // Closed, then empty: an item put before the close cannot be behind this check.
        drained = _engine.IsClosed && _engine.Count == 0;
        item = default!;
        return false;
    }

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        if (!cancellationToken.IsCancellationRequested && _engine.Count > 0)
            return new ValueTask<bool>(true);
        SpinUntil(QueueCondition.NotEmpty);
        return Probe(ref _getPump, QueueCondition.NotEmpty, cancellationToken);
    }

    public ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken)
    {
        if (!cancellationToken.IsCancellationRequested && !_engine.IsClosed && _engine.Holds(QueueCondition.NotFull, 0))
            return new ValueTask<bool>(true);
        SpinUntil(QueueCondition.NotFull);
        return Probe(ref _putPump, QueueCondition.NotFull, cancellationToken);
    }

    public void TaskDone() => _engine.TaskDone();

    public void Join(CancellationToken cancellationToken)
    {
        using var wake = WakeOnCancel(QueueCondition.Joined, cancellationToken);
        while (true)
        {
            int token = _engine.PrepareWait(QueueCondition.Joined);
            try
            {
                _engine.ThrowIfFailed();
                if (_engine.Holds(QueueCondition.Joined, 0))
                    return;
                cancellationToken.ThrowIfCancellationRequested();
                _engine.Sleep(QueueCondition.Joined, token, QueueWaits.SliceMs);
            }
            finally
            {
                _engine.EndWait(QueueCondition.Joined);
            }
        }
    }

    public async ValueTask JoinAsync(CancellationToken cancellationToken)
        => await Probe(ref _joinPump, QueueCondition.Joined, cancellationToken).ConfigureAwait(false);

    /// <summary>Closes the queue for every process (an error is not carried to other processes).</summary>
    public bool TryComplete(Exception? error) => _engine.Close();

    /// <summary>Completes when the queue is closed and drained (checked a few times a second once asked for).</summary>
    public Task Completion
    {
        get
        {
            lock (_pumpLock)
                return _completion ??= WatchCompletionAsync();
        }
    }

    private async Task WatchCompletionAsync()
    {
        while (!(_engine.IsClosed && _engine.Count == 0))
        {
            _engine.ThrowIfFailed();
            await Task.Delay(QueueWaits.SliceMs / 5).ConfigureAwait(false);
        }
    }

    private ValueTask<bool> Probe(ref QueueWaiterPump? pump, QueueCondition condition, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<bool>(cancellationToken);
        var waiter = new QueueWaiters.Probe(_engine, condition);
        if (waiter.TryRun())
            return new ValueTask<bool>(waiter.Task);
        waiter.Arm(QueueWaits.Infinite, cancellationToken);
        Pump(ref pump, condition).Add(waiter);
        return new ValueTask<bool>(waiter.Task);
    }

    private QueueWaiterPump Pump(ref QueueWaiterPump? pump, QueueCondition condition)
    {
        if (Volatile.Read(ref pump) is { } existing)
            return existing;
        lock (_pumpLock)
            return pump ??= new QueueWaiterPump(_engine, condition);
    }

    // Before sleeping: on a busy queue the other side usually acts within microseconds, and a sleep costs a wake-up
    // system call on each side. Spins only (no yield, which on a loaded machine can give the core away for a whole
    // time slice), for a few microseconds.
    private bool Spin(QueueScratch? scratch, bool put, out T item)
    {
        item = default!;
        for (int i = 0; i < SpinTries; i++)
        {
            Thread.SpinWait(SpinIterations);
            if (put)
            {
                if (_engine.Holds(QueueCondition.NotFull, scratch!.WrittenCount) && _engine.TryPut(scratch.Written))
                    return true;
            }
            else if (_engine.Count > 0 && TryGetCore(out item, out _))
            {
                return true;
            }
        }
        return false;
    }

    private bool SpinUntil(QueueCondition condition)
    {
        for (int i = 0; i < SpinTries; i++)
        {
            Thread.SpinWait(SpinIterations);
            if (_engine.Holds(condition, 0))
                return true;
        }
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private QueueScratch Encode(T item)
    {
        QueueScratch scratch = QueueScratch.Current;
        scratch.Reset();
        _codec.Encode(scratch, in item);
        return scratch;
    }

    // A cancelled blocking call sleeps on a shared futex word: wake that word's sleepers so that it notices at once.
    private CancellationTokenRegistration WakeOnCancel(QueueCondition condition, CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled)
            return default;
        return condition switch
        {
            QueueCondition.NotEmpty => cancellationToken.UnsafeRegister(static state => ((IQueueEngine)state!).Wake(QueueCondition.NotEmpty), _engine),
            QueueCondition.NotFull => cancellationToken.UnsafeRegister(static state => ((IQueueEngine)state!).Wake(QueueCondition.NotFull), _engine),
            _ => cancellationToken.UnsafeRegister(static state => ((IQueueEngine)state!).Wake(QueueCondition.Joined), _engine),
        };
    }
}
