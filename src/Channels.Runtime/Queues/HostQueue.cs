using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Channels.Contracts;

namespace Channels.Queues;

/// <summary>
/// The queue engine in the hosting process: the one place where items wait, where capacity is enforced for all
/// processes together, and where the items delivered to each client are remembered until they are settled so
/// that a client's death sends them to someone else.
/// </summary>
/// <remarks>
/// Bookkeeping, all under <see cref="_lock"/>:
/// <list type="bullet">
/// <item><c>_count</c>: items not yet got by a user: those in <c>_items</c> plus those delivered to clients and not
/// yet taken from their prefetch buffers. Puts need <c>_count + _reserved &lt; Capacity</c>.</item>
/// <item><c>_reserved</c>: room granted to clients for puts on their way (a client's put completes locally as
/// soon as it holds a slot, so the room must be set aside first).</item>
/// <item><c>_unfinished</c>: items put and not yet TaskDone anywhere (JoinableQueue's counter).</item>
/// </list>
/// Waiters and clients are served first come, first served from two queues (<c>_consumers</c>: local gets and
/// clients with credit; <c>_roomWaiters</c>: local puts and clients asking for room); a client with more credit
/// or more room wanted goes to the back after each turn, so one busy client cannot starve the others.
/// </remarks>
[DebuggerDisplay("Queue {Name}: count {_count}/{Capacity}, reserved {_reserved}, unfinished {_unfinished}")]
internal sealed class HostQueue<T> : QueueLane<T>, IHostedLane
{
    // A client may not hold more than this many undelivered credits; larger claims are hostile.
    private const int MaxCredit = 1 << 20;

    private readonly object _lock = new();
    private readonly int _lane;
    private readonly ILaneCodec<T> _codec;
    private readonly ItemDeque<T> _items = new();
    private readonly ItemDeque<object> _consumers = new();
    private readonly ItemDeque<object> _roomWaiters = new();
    private readonly List<QueueWaiter<bool>> _readWaiters = [];
    private readonly List<QueueWaiter<bool>> _writeWaiters = [];
    private readonly List<QueueWaiter<bool>> _joinWaiters = [];
    private readonly List<(QueueConnection Client, int Id)> _remoteJoins = [];
    private readonly List<HostSubscriber<T>> _subscribers = [];
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;
    private int _reserved;
    private int _highWaterCount;
    private long _unfinished;
    private long _localOutstanding;
    private bool _closed;
    private bool _drainedSignalled;
    private Exception? _closeError;
    private Exception? _shutdownError;

    public HostQueue(string name, int lane, int capacity, ILaneCodec<T> codec) : base(name, capacity)
    {
        _lane = lane;
        _codec = codec;
    }

    public override int Count
    {
        get { lock (_lock) return _count; }
    }

    /// <summary>Items put and not yet TaskDone (for tests and diagnostics).</summary>
    internal long Unfinished
    {
        get { lock (_lock) return _unfinished; }
    }

    /// <summary>The highest <see cref="Count"/> ever reached by puts (tests check it never passes the capacity).</summary>
    internal int HighWaterCount
    {
        get { lock (_lock) return _highWaterCount; }
    }

    public override Task Completion => _completion.Task;

    private int Free => Capacity == 0 ? int.MaxValue : Capacity - _count - _reserved;

    private bool Drained => _closed && _count == 0;

    public override bool TryPut(T item)
    {
        lock (_lock)
        {
            ThrowIfUnusable();
            if (_closed) QueueThrow.Closed(Name, _closeError);
            SkipCancelledRoomWaiters();
            if (Free <= 0 || _roomWaiters.Count != 0) return false;
            EnqueueLocked(item);
            PumpLocked();
            return true;
        }
    }

    public override ValueTask PutAsync(T item, int timeoutMs, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        var waiter = BeginPut(item, timeoutMs);
        return waiter is null ? default : new ValueTask(QueueWaits.WaitAsync(waiter, timeoutMs, FullTimeout, cancellationToken).AsTask());
    }

    public override void Put(T item, int timeoutMs, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var waiter = BeginPut(item, timeoutMs);
        if (waiter is not null) QueueWaits.Wait(waiter, timeoutMs, FullTimeout, cancellationToken);
    }

    public override bool TryGet([MaybeNullWhen(false)] out T item)
    {
        lock (_lock)
        {
            ThrowIfUnusable();
            if (_items.Count == 0)
            {
                item = default;
                return false;
            }
            item = TakeLocked();
            PumpLocked();
            return true;
        }
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        QueueWaiter<bool> waiter;
        lock (_lock)
        {
            ThrowIfUnusable();
            if (_items.Count != 0) return new ValueTask<bool>(true);
            if (Drained) return new ValueTask<bool>(false);
            waiter = new QueueWaiter<bool>();
            _readWaiters.Add(waiter);
        }
        return QueueWaits.WaitAsync(waiter, QueueWaits.Infinite, EmptyTimeout, cancellationToken);
    }

    public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken)
    {
        QueueWaiter<bool> waiter;
        lock (_lock)
        {
            ThrowIfUnusable();
            if (_closed) return new ValueTask<bool>(false);
            if (Free > 0) return new ValueTask<bool>(true);
            waiter = new QueueWaiter<bool>();
            _writeWaiters.Add(waiter);
        }
        return QueueWaits.WaitAsync(waiter, QueueWaits.Infinite, FullTimeout, cancellationToken);
    }

    public override void TaskDone()
    {
        lock (_lock)
        {
            if (_localOutstanding == 0) QueueThrow.TooManyTaskDone(Name);
            _localOutstanding--;
            FinishTasksLocked(1);
        }
    }

    public override ValueTask JoinAsync(CancellationToken cancellationToken)
    {
        QueueWaiter<bool> waiter;
        lock (_lock)
        {
            ThrowIfUnusable();
            if (_unfinished == 0) return default;
            waiter = new QueueWaiter<bool>();
            _joinWaiters.Add(waiter);
        }
        return new ValueTask(QueueWaits.WaitAsync(waiter, QueueWaits.Infinite, EmptyTimeout, cancellationToken).AsTask());
    }

    public override bool TryComplete(Exception? error)
    {
        lock (_lock)
        {
            if (_closed) return false;
            _closed = true;
            _closeError = error;
            var closed = new System.Threading.Channels.ChannelClosedException($"Queue '{Name}' is closed; no more items can be put.", error);
            while (_roomWaiters.Count != 0)
            {
                object waiter = _roomWaiters.PopFront();
                if (waiter is PutWaiter<T> put) put.TrySetException(closed);
                else ((HostSubscriber<T>)waiter).InRoomWaiters = false;
            }
            foreach (var waiter in _writeWaiters) waiter.TrySetResult(false);
            _writeWaiters.Clear();
            foreach (var subscriber in _subscribers) subscriber.Connection.WriteSignal(_lane, QueueFrameKind.Closed);
            PumpLocked();
            return true;
        }
    }

    void IHostedLane.OnFrame(QueueConnection client, QueueFrameKind kind, in ReadOnlySequence<byte> payload)
    {
        if (kind == QueueFrameKind.Put)
        {
            // Decoding outside the lock keeps the engine free for others, and a payload that does not decode
            // ends only this client (the exception travels to its receive loop).
            T item = _codec.Decode(in payload);
            lock (_lock)
            {
                var subscriber = SubscriberLocked(client);
                if (Capacity != 0)
                {
                    if (subscriber.Reserved == 0) QueueThrow.Protocol($"Queue '{Name}': client {client.Id} put an item without reserved room.");
                    subscriber.Reserved--;
                    _reserved--;
                }
                EnqueueLocked(item);
                PumpLocked();
            }
            return;
        }

        int first = kind == QueueFrameKind.Close ? 0 : ReadInt(payload, 0, kind);
        lock (_lock)
        {
            var subscriber = SubscriberLocked(client);
            switch (kind)
            {
                case QueueFrameKind.RequestRoom:
                    CheckCount(first, MaxCredit, kind, client);
                    if (_closed || Capacity == 0) break;
                    subscriber.WantRoom += first;
                    if (subscriber.WantRoom > MaxCredit) QueueThrow.Protocol($"Queue '{Name}': client {client.Id} asked for room for {subscriber.WantRoom} items.");
                    if (!subscriber.InRoomWaiters)
                    {
                        subscriber.InRoomWaiters = true;
                        _roomWaiters.PushBack(subscriber);
                    }
                    break;
                case QueueFrameKind.ReturnRoom:
                    CheckCount(first, subscriber.Reserved, kind, client);
                    subscriber.Reserved -= first;
                    _reserved -= first;
                    break;
                case QueueFrameKind.Credit:
                    CheckCount(first, MaxCredit - subscriber.Credit - subscriber.Untaken, kind, client);
                    if (!subscriber.Reading)
                    {
                        subscriber.Reading = true;
                        subscriber.AcknowledgeOnTake = ReadInt(payload, 4, kind) != 0;
                        if (Drained) client.WriteSignal(_lane, QueueFrameKind.Drained);
                    }
                    subscriber.Credit += first;
                    AddConsumerLocked(subscriber);
                    break;
                case QueueFrameKind.Took:
                    CheckCount(first, subscriber.Untaken, kind, client);
                    subscriber.Untaken -= first;
                    subscriber.Outstanding += first;
                    subscriber.Credit += first;
                    _count -= first;
                    if (subscriber.AcknowledgeOnTake)
                        for (int i = 0; i < first; i++) subscriber.InFlight.PopFront();
                    AddConsumerLocked(subscriber);
                    break;
                case QueueFrameKind.Done:
                    if (first <= 0 || first > subscriber.Outstanding)
                        QueueThrow.Protocol($"Queue '{Name}': client {client.Id} reported {first} tasks done with {subscriber.Outstanding} outstanding.");
                    subscriber.Outstanding -= first;
                    if (!subscriber.AcknowledgeOnTake)
                        for (int i = 0; i < first; i++) subscriber.InFlight.PopFront();
                    FinishTasksLocked(first);
                    break;
                case QueueFrameKind.Join:
                    if (_unfinished == 0) client.WriteControl(_lane, QueueFrameKind.JoinDone, first);
                    else _remoteJoins.Add((client, first));
                    break;
                case QueueFrameKind.CountQuery:
                    client.WriteControl(_lane, QueueFrameKind.CountReply, first, _count);
                    break;
                case QueueFrameKind.Close:
                    TryComplete(null); // the lock is re-entrant
                    break;
                default:
                    QueueThrow.Protocol($"Queue '{Name}': client {client.Id} sent a frame of unknown kind {(byte)kind}.");
                    break;
            }
            PumpLocked();
        }
    }

    void IHostedLane.OnDisconnect(QueueConnection client)
    {
        lock (_lock)
        {
            if (client.LaneStates[_lane] is not HostSubscriber<T> subscriber) return;
            subscriber.Dead = true;
            _subscribers.Remove(subscriber);
            // Items the client took but did not finish were out of the count; they come back into it, so the
            // count can exceed the capacity for a while: putters then wait until it is below.
            _count += subscriber.InFlight.Count - subscriber.Untaken;
            while (subscriber.InFlight.Count != 0) _items.PushFront(subscriber.InFlight.PopBack());
            _reserved -= subscriber.Reserved;
            subscriber.Reserved = 0;
            subscriber.Credit = 0;
            subscriber.Untaken = 0;
            for (int i = _remoteJoins.Count - 1; i >= 0; i--)
                if (ReferenceEquals(_remoteJoins[i].Client, client)) _remoteJoins.RemoveAt(i);
            PumpLocked();
        }
    }

    void IHostedLane.Shutdown(Exception error)
    {
        List<QueueWaiter<bool>> boolWaiters = [];
        lock (_lock)
        {
            _shutdownError ??= error;
            while (_consumers.Count != 0)
                if (_consumers.PopFront() is QueueWaiter<T> get) get.TrySetException(error);
            while (_roomWaiters.Count != 0)
                if (_roomWaiters.PopFront() is PutWaiter<T> put) put.TrySetException(error);
            boolWaiters.AddRange(_readWaiters);
            boolWaiters.AddRange(_writeWaiters);
            boolWaiters.AddRange(_joinWaiters);
            _readWaiters.Clear();
            _writeWaiters.Clear();
            _joinWaiters.Clear();
        }
        foreach (var waiter in boolWaiters) waiter.TrySetException(error);
        _completion.TrySetException(error);
    }

    private PutWaiter<T>? BeginPut(T item, int timeoutMs)
    {
        lock (_lock)
        {
            ThrowIfUnusable();
            if (_closed) QueueThrow.Closed(Name, _closeError);
            SkipCancelledRoomWaiters();
            if (Free > 0 && _roomWaiters.Count == 0)
            {
                EnqueueLocked(item);
                PumpLocked();
                return null;
            }
            var waiter = new PutWaiter<T>(item);
            if (timeoutMs == 0) waiter.TrySetException(FullTimeout());
            else _roomWaiters.PushBack(waiter);
            return waiter;
        }
    }

    protected override QueueWaiter<T>? BeginGet(int timeoutMs, out T item)
    {
        lock (_lock)
        {
            ThrowIfUnusable();
            if (_items.Count != 0)
            {
                item = TakeLocked();
                PumpLocked();
                return null;
            }
            item = default!;
            var waiter = new QueueWaiter<T>();
            if (Drained) waiter.TrySetException(QueueThrow.Drained(Name, _closeError));
            else if (timeoutMs == 0) waiter.TrySetException(EmptyTimeout());
            else
            {
                // Gets that timed out stay queued until passed over; drop those at the front so that a loop of
                // short gets on an empty queue does not pile them up.
                while (_consumers.Count != 0 && _consumers.PeekFront() is QueueWaiter<T> { Task.IsCompleted: true }) _consumers.PopFront();
                _consumers.PushBack(waiter);
            }
            return waiter;
        }
    }

    private void EnqueueLocked(T item)
    {
        _items.PushBack(item);
        _count++;
        _unfinished++;
        if (_count > _highWaterCount) _highWaterCount = _count;
    }

    private T TakeLocked()
    {
        _count--;
        _localOutstanding++;
        return _items.PopFront();
    }

    private void FinishTasksLocked(int tasks)
    {
        _unfinished -= tasks;
        Debug.Assert(_unfinished >= 0);
        if (_unfinished != 0) return;
        foreach (var waiter in _joinWaiters) waiter.TrySetResult(true);
        _joinWaiters.Clear();
        foreach (var (client, id) in _remoteJoins) client.WriteControl(_lane, QueueFrameKind.JoinDone, id);
        _remoteJoins.Clear();
    }

    private HostSubscriber<T> SubscriberLocked(QueueConnection client)
    {
        if (client.LaneStates[_lane] is HostSubscriber<T> subscriber) return subscriber;
        subscriber = new HostSubscriber<T>(client);
        client.LaneStates[_lane] = subscriber;
        _subscribers.Add(subscriber);
        if (_closed) client.WriteSignal(_lane, QueueFrameKind.Closed);
        return subscriber;
    }

    private void AddConsumerLocked(HostSubscriber<T> subscriber)
    {
        if (subscriber.InConsumers || subscriber.Credit == 0 || subscriber.Dead) return;
        subscriber.InConsumers = true;
        _consumers.PushBack(subscriber);
    }

    private void SkipCancelledRoomWaiters()
    {
        while (_roomWaiters.Count != 0 && _roomWaiters.PeekFront() is PutWaiter<T> { Task.IsCompleted: true })
            _roomWaiters.PopFront();
    }

    /// <summary>Moves items to consumers and room to putters until neither can progress, then wakes observers.</summary>
    private void PumpLocked()
    {
        bool progress;
        do
        {
            progress = false;
            while (_items.Count != 0 && _consumers.Count != 0)
            {
                object consumer = _consumers.PeekFront();
                if (consumer is QueueWaiter<T> get)
                {
                    _consumers.PopFront();
                    if (get.TrySetResult(_items.PeekFront()))
                    {
                        TakeLocked();
                        progress = true;
                    }
                    continue;
                }
                var subscriber = (HostSubscriber<T>)consumer;
                _consumers.PopFront();
                if (subscriber.Dead || subscriber.Credit == 0)
                {
                    subscriber.InConsumers = false;
                    continue;
                }
                // Alone, a client gets all it asked for in one go; with company, one item per turn.
                int batch = _consumers.Count == 0 ? Math.Min(subscriber.Credit, _items.Count) : 1;
                for (int i = 0; i < batch; i++)
                {
                    T item = _items.PopFront();
                    subscriber.InFlight.PushBack(item);
                    subscriber.Untaken++;
                    subscriber.Credit--;
                    subscriber.Connection.WriteItem(_lane, QueueFrameKind.Item, _codec, in item);
                }
                if (subscriber.Credit > 0) _consumers.PushBack(subscriber);
                else subscriber.InConsumers = false;
            }

            while (Free > 0 && _roomWaiters.Count != 0)
            {
                object waiter = _roomWaiters.PopFront();
                if (waiter is PutWaiter<T> put)
                {
                    if (put.TrySetResult(true))
                    {
                        EnqueueLocked(put.Item);
                        progress = true;
                    }
                    continue;
                }
                var subscriber = (HostSubscriber<T>)waiter;
                if (subscriber.Dead || subscriber.WantRoom == 0)
                {
                    subscriber.InRoomWaiters = false;
                    continue;
                }
                int grant = Math.Min(Free, subscriber.WantRoom);
                subscriber.WantRoom -= grant;
                subscriber.Reserved += grant;
                _reserved += grant;
                subscriber.Connection.WriteControl(_lane, QueueFrameKind.GrantRoom, grant);
                if (subscriber.WantRoom > 0) _roomWaiters.PushBack(subscriber);
                else subscriber.InRoomWaiters = false;
            }
        }
        while (progress);

        Debug.Assert(_reserved >= 0 && _count >= 0);
        if (_readWaiters.Count != 0 && (_items.Count != 0 || Drained))
        {
            bool more = _items.Count != 0;
            foreach (var waiter in _readWaiters) waiter.TrySetResult(more);
            _readWaiters.Clear();
        }
        if (_writeWaiters.Count != 0 && Free > 0)
        {
            foreach (var waiter in _writeWaiters) waiter.TrySetResult(true);
            _writeWaiters.Clear();
        }
        if (Drained && !_drainedSignalled) SignalDrainedLocked();
    }

    private void SignalDrainedLocked()
    {
        _drainedSignalled = true;
        var drained = QueueThrow.Drained(Name, _closeError);
        int waiting = _consumers.Count;
        for (int i = 0; i < waiting; i++)
        {
            object consumer = _consumers.PopFront();
            if (consumer is QueueWaiter<T> get) get.TrySetException(drained);
            else _consumers.PushBack(consumer);
        }
        foreach (var subscriber in _subscribers)
            if (subscriber.Reading) subscriber.Connection.WriteSignal(_lane, QueueFrameKind.Drained);
        if (_closeError is null) _completion.TrySetResult();
        else _completion.TrySetException(_closeError);
    }

    private void ThrowIfUnusable()
    {
        if (_shutdownError is not null) throw new ObjectDisposedException(Name, "The queue session was disposed.");
    }

    private void CheckCount(int value, int max, QueueFrameKind kind, QueueConnection client)
    {
        if (value <= 0 || value > max)
            QueueThrow.Protocol($"Queue '{Name}': client {client.Id} sent {kind} with {value} (allowed 1..{max}).");
    }

    private int ReadInt(in ReadOnlySequence<byte> payload, int offset, QueueFrameKind kind)
    {
        if (payload.Length < offset + 4 || !payload.IsSingleSegment)
            QueueThrow.Protocol($"Queue '{Name}': a {kind} frame has {payload.Length} payload bytes; expected at least {offset + 4}.");
        return BinaryPrimitives.ReadInt32LittleEndian(payload.FirstSpan[offset..]);
    }
}
