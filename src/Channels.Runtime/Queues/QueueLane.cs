using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Channels.Contracts;
using Channels.SharedMemory;

namespace Channels.Queues;

/// <summary>
/// The typed operations of a <see cref="ProcessQueue{T}"/> over an <see cref="IQueueEngine"/>: encoding and decoding
/// through the lane codec, Python's blocking and timeout semantics (try, spin, then sleep on the engine's shared
/// condition), and asynchronous waits parked on a <see cref="SharedWaitPump"/>. Written once for every engine. A
/// server's engine (<see cref="IRemoteQueueEngine"/>) has asynchronous paths of its own, which never block a thread.
/// </summary>
internal sealed class QueueLane<T>
{
    private const int SpinTries = 64;
    private const int SpinIterations = 20;

    private readonly IQueueEngine _engine;
    private readonly ILaneCodec<T> _codec;
    private readonly Lock _pumpLock = new();
    private SharedWaitPump? _getPump;
    private SharedWaitPump? _putPump;
    private SharedWaitPump? _joinPump;
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
        if (_engine is IRemoteQueueEngine remote)
            return PutRemoteAsync(remote, item, timeoutMs, cancellationToken);
        return PutWaitingAsync(item, timeoutMs, cancellationToken);
    }

    // A server's engine: every attempt and every check awaits the server, and the wait for room polls it
    // asynchronously. Blocking instead (the synchronous engine calls, or a pump thread) held a thread-pool thread per
    // waiting put, and the server's answers need thread-pool threads too: dozens of puts into a full queue starved
    // the pool and hung far past their timeouts.
    private async ValueTask PutRemoteAsync(IRemoteQueueEngine remote, T item, int timeoutMs, CancellationToken cancellationToken)
    {
        long start = Environment.TickCount64;
        // An array of its own: the thread's scratch belongs to another call once this one awaits.
        byte[] bytes = Encode(item).Written.ToArray();
        if (await remote.TryPutAsync(bytes).ConfigureAwait(false))
            return;
        while (true)
        {
            int left = QueueWaits.Left(start, timeoutMs);
            if (left == 0)
                throw QueueThrow.Full(Name, Capacity);
            // No cancellation while a put is in flight (it may be stored): only between attempts.
            await Task.Delay(PollDelay(remote, left), cancellationToken).ConfigureAwait(false);
            // Room first: one reading of the server serves every waiting put, where a refused put costs a
            // publication each (and with replicas a round of the sequenced puts). Closed: the attempt says so.
            if ((remote.IsClosed || await remote.HoldsAsync(QueueCondition.NotFull, bytes.Length, cancellationToken).ConfigureAwait(false))
                && await remote.TryPutAsync(bytes).ConfigureAwait(false))
                return;
        }
    }

    private ValueTask PutWaitingAsync(T item, int timeoutMs, CancellationToken cancellationToken)
    {
        QueueScratch scratch = Encode(item);
        if (_engine.TryPut(scratch.Written) || (timeoutMs != 0 && Spin(scratch, put: true, out _)))
            return ValueTask.CompletedTask;
        if (timeoutMs == 0)
            return ValueTask.FromException(QueueThrow.Full(Name, Capacity));
        var waiter = new QueueWaiters.Put(_engine, scratch.Written);
        waiter.Arm(timeoutMs, cancellationToken);
        Park(ref _putPump, QueueCondition.NotFull, waiter);
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
        if (_engine is IRemoteQueueEngine remote)
            return GetRemoteAsync(remote, timeoutMs, cancellationToken);
        return GetWaitingAsync(timeoutMs, cancellationToken);
    }

    // A server's engine: the get waits at the server (no thread held, no polling) and decodes the item from the
    // engine's bytes. None in time, the queue closed, or the server away: a closed queue with nothing left is drained;
    // otherwise the get polls asynchronously (closed: for items another process read ahead and gives back; the server
    // away: until it is back, when the get waits at the server again) until its timeout.
    private async ValueTask<T> GetRemoteAsync(IRemoteQueueEngine remote, int timeoutMs, CancellationToken cancellationToken)
    {
        var taken = new Taken(_codec);
        long start = Environment.TickCount64;
        int left = timeoutMs;
        while (true)
        {
            if (await remote.TryGetAsync(static (taken, payload) => taken.Decode(payload), taken, left, cancellationToken).ConfigureAwait(false))
                return taken.Item;
            remote.ThrowIfFailed();
            // Closed, then empty: an item put before the close cannot be behind this check.
            if (remote.IsClosed && await remote.CountAsync(cancellationToken).ConfigureAwait(false) == 0)
                throw QueueThrow.Drained(Name);
            left = QueueWaits.Left(start, timeoutMs);
            if (left == 0)
                throw QueueThrow.Empty(Name);
            await Task.Delay(PollDelay(remote, left), cancellationToken).ConfigureAwait(false);
            left = QueueWaits.Left(start, timeoutMs);
        }
    }

    /// <summary>
    /// A server's engine: every item until the queue is closed and drained, each get waiting at the server.
    /// <see cref="ChannelReader{T}.ReadAllAsync"/>'s own loop reads with the synchronous <c>TryRead</c>, a blocking
    /// round trip on a thread-pool thread per item.
    /// </summary>
    public async IAsyncEnumerable<T> GetAllRemoteAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var remote = (IRemoteQueueEngine)_engine;
        while (true)
        {
            T item;
            try
            {
                item = await GetRemoteAsync(remote, QueueWaits.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException) when (remote.IsClosed)
            {
                // Closed and drained: the end, as ChannelReader's loop ends when WaitToReadAsync says false.
                yield break;
            }
            yield return item;
        }
    }

    /// <summary>The item a remote engine's get decoded.</summary>
    private sealed class Taken(ILaneCodec<T> codec)
    {
        public T Item = default!;

        public bool Decode(ReadOnlySequence<byte> payload)
        {
            Item = codec.Decode(payload);
            return true;
        }
    }

    private ValueTask<T> GetWaitingAsync(int timeoutMs, CancellationToken cancellationToken)
    {
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
        Park(ref _getPump, QueueCondition.NotEmpty, waiter);
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
        if (_engine is IRemoteQueueEngine remote)
            return WaitRemoteAsync(remote, QueueCondition.NotEmpty, cancellationToken);
        if (!cancellationToken.IsCancellationRequested && _engine.Count > 0)
            return new ValueTask<bool>(true);
        SpinUntil(QueueCondition.NotEmpty);
        return Probe(ref _getPump, QueueCondition.NotEmpty, cancellationToken);
    }

    public ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken)
    {
        if (_engine is IRemoteQueueEngine remote)
            return WaitRemoteAsync(remote, QueueCondition.NotFull, cancellationToken);
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
    {
        if (_engine is IRemoteQueueEngine remote)
            await WaitRemoteAsync(remote, QueueCondition.Joined, cancellationToken).ConfigureAwait(false);
        else
            await Probe(ref _joinPump, QueueCondition.Joined, cancellationToken).ConfigureAwait(false);
    }

    // A server's engine: what the pump's probe checks (QueueWaiters.Probe), asked of the server asynchronously and
    // polled until it holds: an item or the end (true or false), room or the end, every item settled.
    private static async ValueTask<bool> WaitRemoteAsync(IRemoteQueueEngine remote, QueueCondition condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            remote.ThrowIfFailed();
            switch (condition)
            {
                case QueueCondition.NotEmpty:
                    if (await remote.CountAsync(cancellationToken).ConfigureAwait(false) > 0)
                        return true;
                    if (remote.IsClosed)
                        return false;
                    break;
                case QueueCondition.NotFull:
                    if (remote.IsClosed)
                        return false;
                    if (await remote.HoldsAsync(QueueCondition.NotFull, 0, cancellationToken).ConfigureAwait(false))
                        return true;
                    break;
                default:
                    if (await remote.HoldsAsync(QueueCondition.Joined, 0, cancellationToken).ConfigureAwait(false))
                        return true;
                    break;
            }
            await Task.Delay(remote.PollMs, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One poll of a server's engine: its period, or what is left of the timeout if that is less.</summary>
    private static int PollDelay(IRemoteQueueEngine remote, int leftMs)
        => leftMs == QueueWaits.Infinite ? remote.PollMs : Math.Min(remote.PollMs, leftMs);

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
        if (_engine is IRemoteQueueEngine remote)
        {
            while (!(remote.IsClosed && await remote.CountAsync(CancellationToken.None).ConfigureAwait(false) == 0))
            {
                remote.ThrowIfFailed();
                await Task.Delay(QueueWaits.SliceMs / 5).ConfigureAwait(false);
            }
            return;
        }
        while (!(_engine.IsClosed && _engine.Count == 0))
        {
            _engine.ThrowIfFailed();
            await Task.Delay(QueueWaits.SliceMs / 5).ConfigureAwait(false);
        }
    }

    private ValueTask<bool> Probe(ref SharedWaitPump? pump, QueueCondition condition, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<bool>(cancellationToken);
        var waiter = new QueueWaiters.Probe(_engine, condition);
        if (waiter.TryRun())
            return new ValueTask<bool>(waiter.Task);
        waiter.Arm(QueueWaits.Infinite, cancellationToken);
        Park(ref pump, condition, waiter);
        return new ValueTask<bool>(waiter.Task);
    }

    // Parks the waiter, then wakes the pump if the condition holds already: it may be asleep having tried every
    // waiter but this one.
    private void Park(ref SharedWaitPump? pump, QueueCondition condition, QueueWaiter waiter)
    {
        if (Volatile.Read(ref pump) is not { } existing)
        {
            lock (_pumpLock)
                existing = pump ??= new SharedWaitPump(new QueueConditionWait(_engine, condition), inOrder: condition != QueueCondition.NotFull);
        }
        existing.Add(waiter);
        if (_engine.Holds(condition, waiter.ItemBytes))
            _engine.Wake(condition);
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
