using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Channels.Contracts;

namespace Channels.Queues;

/// <summary>
/// A queue lane in a process that opened a remote host's queues. Puts use room the host granted ahead of
/// time (so a put under load is a memory copy, sent with the others in one system call); gets take from a
/// local prefetch buffer that the host keeps filled up to <see cref="ChannelOptions.QueuePrefetch"/> items.
/// </summary>
[DebuggerDisplay("Client queue {Name}: buffered {_buffer.Count}, room {_room}, outstanding {_outstanding}")]
internal sealed class ClientQueue<T> : QueueLane<T>, IClientLane, IPendingFrames
{
    private readonly object _lock = new();
    private readonly int _lane;
    private readonly ILaneCodec<T> _codec;
    private readonly QueueConnection _connection;
    private readonly TimeSpan _replyTimeout;
    private readonly int _prefetch;
    private readonly bool _acknowledgeOnTake;
    private readonly int _roomAhead;
    private readonly ItemDeque<T> _buffer = new();
    private readonly ItemDeque<QueueWaiter<T>> _getters = new();
    private readonly ItemDeque<PutWaiter<T>> _putters = new();
    private readonly List<QueueWaiter<bool>> _readWaiters = [];
    private readonly List<QueueWaiter<bool>> _writeWaiters = [];
    private readonly Dictionary<int, QueueWaiter<bool>> _joins = [];
    private readonly Dictionary<int, QueueWaiter<int>> _counts = [];
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextRequestId;
    private bool _reading;
    private int _room;
    private int _roomRequested;
    private int _putsSinceTick;
    private long _outstanding;
    private int _pendingTook;
    private int _pendingDone;
    private bool _pendingQueued;
    private bool _closed;
    private bool _drained;
    private Exception? _fault;

    public ClientQueue(string name, int lane, int capacity, ILaneCodec<T> codec, QueueConnection connection, ChannelOptions options)
        : base(name, capacity)
    {
        _lane = lane;
        _codec = codec;
        _connection = connection;
        _replyTimeout = options.PeerTimeout;
        _prefetch = options.QueuePrefetch;
        _acknowledgeOnTake = options.QueueAcknowledgeOnTake;
        // Room reserved ahead is room other producers cannot use, so a small queue gets none.
        _roomAhead = Math.Min(options.QueueRoomAhead, capacity / 4);
    }

    public override Task Completion => _completion.Task;

    public override int Count
    {
        get
        {
            QueueWaiter<int> waiter = new();
            lock (_lock)
            {
                ThrowIfFaulted();
                int id = ++_nextRequestId;
                _counts.Add(id, waiter);
                _connection.WriteControl(_lane, QueueFrameKind.CountQuery, id);
            }
            return QueueWaits.Wait(waiter, (int)_replyTimeout.TotalMilliseconds,
                () => new PeerLostException($"Queue '{Name}': the host did not answer a count query within {_replyTimeout.TotalSeconds:0.#} s."));
        }
    }

    public override bool TryPut(T item)
    {
        lock (_lock)
        {
            ThrowIfFaulted();
            if (_closed) QueueThrow.Closed(Name, null);
            SkipCancelledPutters();
            if (Capacity == 0 || (_room > 0 && _putters.Count == 0))
            {
                SendPutLocked(item);
                return true;
            }
            RequestRoomLocked(1);
            return false;
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
            ThrowIfFaulted();
            StartReadingLocked();
            if (_buffer.Count != 0 && _getters.Count == 0)
            {
                item = TakeLocked();
                return true;
            }
            item = default;
            return false;
        }
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        QueueWaiter<bool> waiter;
        lock (_lock)
        {
            ThrowIfFaulted();
            StartReadingLocked();
            if (_buffer.Count != 0) return new ValueTask<bool>(true);
            if (_drained) return new ValueTask<bool>(false);
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
            ThrowIfFaulted();
            if (_closed) return new ValueTask<bool>(false);
            if (Capacity == 0 || _room > 0) return new ValueTask<bool>(true);
            waiter = new QueueWaiter<bool>();
            _writeWaiters.Add(waiter);
            RequestRoomLocked(1);
        }
        return QueueWaits.WaitAsync(waiter, QueueWaits.Infinite, FullTimeout, cancellationToken);
    }

    public override void TaskDone()
    {
        lock (_lock)
        {
            ThrowIfFaulted();
            if (_outstanding == 0) QueueThrow.TooManyTaskDone(Name);
            _outstanding--;
            _pendingDone++;
            QueuePendingLocked();
        }
    }

    public override ValueTask JoinAsync(CancellationToken cancellationToken)
    {
        QueueWaiter<bool> waiter = new();
        lock (_lock)
        {
            ThrowIfFaulted();
            int id = ++_nextRequestId;
            _joins.Add(id, waiter);
            _connection.WriteControl(_lane, QueueFrameKind.Join, id);
        }
        return new ValueTask(QueueWaits.WaitAsync(waiter, QueueWaits.Infinite, EmptyTimeout, cancellationToken).AsTask());
    }

    public override bool TryComplete(Exception? error)
    {
        lock (_lock)
        {
            if (_closed || _fault is not null) return false;
            _connection.WriteSignal(_lane, QueueFrameKind.Close);
            CloseLocked();
            return true;
        }
    }

    void IClientLane.OnFrame(QueueFrameKind kind, in ReadOnlySequence<byte> payload)
    {
        if (kind == QueueFrameKind.Item)
        {
            T item = _codec.Decode(in payload);
            lock (_lock)
            {
                if (!_reading) QueueThrow.Protocol($"Queue '{Name}': the host delivered an item to a process that is not reading.");
                while (_getters.Count != 0)
                {
                    if (_getters.PopFront().TrySetResult(item))
                    {
                        _outstanding++;
                        _pendingTook++;
                        QueuePendingLocked();
                        return;
                    }
                }
                _buffer.PushBack(item);
                if (_buffer.Count > _prefetch) QueueThrow.Protocol($"Queue '{Name}': the host delivered more than the {_prefetch} items this process asked for.");
                WakeAllLocked(_readWaiters, true);
            }
            return;
        }

        lock (_lock)
        {
            switch (kind)
            {
                case QueueFrameKind.GrantRoom:
                    OnRoomGranted(ReadInt(payload, 0, kind));
                    break;
                case QueueFrameKind.JoinDone:
                    if (_joins.Remove(ReadInt(payload, 0, kind), out var join)) join.TrySetResult(true);
                    break;
                case QueueFrameKind.CountReply:
                    if (_counts.Remove(ReadInt(payload, 0, kind), out var count)) count.TrySetResult(ReadInt(payload, 4, kind));
                    break;
                case QueueFrameKind.Closed:
                    CloseLocked();
                    break;
                case QueueFrameKind.Drained:
                    _drained = true;
                    CloseLocked();
                    var drained = QueueThrow.Drained(Name, null);
                    while (_getters.Count != 0) _getters.PopFront().TrySetException(drained);
                    if (_buffer.Count == 0)
                    {
                        WakeAllLocked(_readWaiters, false);
                        _completion.TrySetResult();
                    }
                    break;
                default:
                    QueueThrow.Protocol($"Queue '{Name}': the host sent a frame of unknown kind {(byte)kind}.");
                    break;
            }
        }
    }

    void IClientLane.Fault(Exception error)
    {
        lock (_lock)
        {
            if (_fault is not null) return;
            _fault = error;
            while (_getters.Count != 0) _getters.PopFront().TrySetException(error);
            while (_putters.Count != 0) _putters.PopFront().TrySetException(error);
            foreach (var waiter in _readWaiters) waiter.TrySetException(error);
            foreach (var waiter in _writeWaiters) waiter.TrySetException(error);
            foreach (var waiter in _joins.Values) waiter.TrySetException(error);
            foreach (var waiter in _counts.Values) waiter.TrySetException(error);
            _readWaiters.Clear();
            _writeWaiters.Clear();
            _joins.Clear();
            _counts.Clear();
            _completion.TrySetException(error);
        }
    }

    void IClientLane.OnTick()
    {
        lock (_lock)
        {
            if (_fault is null && _room > 0 && _putsSinceTick == 0 && _putters.Count == 0 && _writeWaiters.Count == 0)
            {
                _connection.WriteControl(_lane, QueueFrameKind.ReturnRoom, _room);
                _room = 0;
            }
            _putsSinceTick = 0;
        }
    }

    private PutWaiter<T>? BeginPut(T item, int timeoutMs)
    {
        lock (_lock)
        {
            ThrowIfFaulted();
            if (_closed) QueueThrow.Closed(Name, null);
            SkipCancelledPutters();
            if (Capacity == 0 || (_room > 0 && _putters.Count == 0))
            {
                SendPutLocked(item);
                return null;
            }
            var waiter = new PutWaiter<T>(item);
            if (timeoutMs == 0)
            {
                waiter.TrySetException(FullTimeout());
                return waiter;
            }
            _putters.PushBack(waiter);
            RequestRoomLocked(_putters.Count);
            return waiter;
        }
    }

    protected override QueueWaiter<T>? BeginGet(int timeoutMs, out T item)
    {
        lock (_lock)
        {
            ThrowIfFaulted();
            StartReadingLocked();
            if (_buffer.Count != 0 && _getters.Count == 0)
            {
                item = TakeLocked();
                return null;
            }
            item = default!;
            var waiter = new QueueWaiter<T>();
            if (_drained) waiter.TrySetException(QueueThrow.Drained(Name, null));
            else if (timeoutMs == 0) waiter.TrySetException(EmptyTimeout());
            else
            {
                while (_getters.Count != 0 && _getters.PeekFront().Task.IsCompleted) _getters.PopFront();
                _getters.PushBack(waiter);
            }
            return waiter;
        }
    }

    private void SendPutLocked(T item)
    {
        _connection.WriteItem(_lane, QueueFrameKind.Put, _codec, in item);
        _putsSinceTick++;
        if (Capacity == 0) return;
        _room--;
        // Ask for more before the room runs out, so that a steady producer never waits for a round trip.
        if (_room + _roomRequested <= _roomAhead / 2) RequestRoomLocked(0);
    }

    void IPendingFrames.WritePending()
    {
        lock (_lock)
        {
            _pendingQueued = false;
            // Takes go first: the host accepts a TaskDone only for an item it knows was taken.
            if (_pendingTook != 0) _connection.WriteControl(_lane, QueueFrameKind.Took, _pendingTook);
            if (_pendingDone != 0) _connection.WriteControl(_lane, QueueFrameKind.Done, _pendingDone);
            _pendingTook = 0;
            _pendingDone = 0;
        }
    }

    private void QueuePendingLocked()
    {
        if (_pendingQueued) return;
        _pendingQueued = true;
        _connection.AddPending(this);
    }

    private T TakeLocked()
    {
        T item = _buffer.PopFront();
        _outstanding++;
        _pendingTook++;
        QueuePendingLocked();
        if (_drained && _buffer.Count == 0) _completion.TrySetResult();
        return item;
    }

    private void StartReadingLocked()
    {
        if (_reading) return;
        _reading = true;
        _connection.WriteControl(_lane, QueueFrameKind.Credit, _prefetch, _acknowledgeOnTake ? 1 : 0);
    }

    /// <summary>Asks for enough room that <paramref name="needed"/> puts, plus the room kept ahead, can go out.</summary>
    private void RequestRoomLocked(int needed)
    {
        int ask = needed + _roomAhead - _room - _roomRequested;
        if (ask <= 0) return;
        _roomRequested += ask;
        _connection.WriteControl(_lane, QueueFrameKind.RequestRoom, ask);
    }

    private void OnRoomGranted(int granted)
    {
        if (granted <= 0 || granted > _roomRequested)
            QueueThrow.Protocol($"Queue '{Name}': the host granted room for {granted} items; {_roomRequested} were asked for.");
        _roomRequested -= granted;
        _room += granted;
        while (_room > 0 && _putters.Count != 0)
        {
            var putter = _putters.PopFront();
            // A put that timed out keeps its item: only the winner of the completion sends it.
            if (putter.TrySetResult(true)) SendPutLocked(putter.Item);
        }
        if (_room > 0) WakeAllLocked(_writeWaiters, true);
        if (_putters.Count != 0) RequestRoomLocked(_putters.Count);
    }

    private void CloseLocked()
    {
        if (_closed) return;
        _closed = true;
        var closed = new ChannelClosedException($"Queue '{Name}' is closed; no more items can be put.");
        while (_putters.Count != 0) _putters.PopFront().TrySetException(closed);
        WakeAllLocked(_writeWaiters, false);
    }

    private void SkipCancelledPutters()
    {
        while (_putters.Count != 0 && _putters.PeekFront().Task.IsCompleted) _putters.PopFront();
    }

    private static void WakeAllLocked(List<QueueWaiter<bool>> waiters, bool result)
    {
        foreach (var waiter in waiters) waiter.TrySetResult(result);
        waiters.Clear();
    }

    private void ThrowIfFaulted()
    {
        if (_fault is not null) ThrowFault(_fault);
    }

    [DoesNotReturn]
    private void ThrowFault(Exception fault)
    {
        if (fault is ObjectDisposedException) throw new ObjectDisposedException(Name, "The queue session was disposed.");
        throw new PeerLostException($"Queue '{Name}': the connection to the hosting process is lost.", innerException: fault);
    }

    private int ReadInt(in ReadOnlySequence<byte> payload, int offset, QueueFrameKind kind)
    {
        if (payload.Length < offset + 4 || !payload.IsSingleSegment)
            QueueThrow.Protocol($"Queue '{Name}': a {kind} frame has {payload.Length} payload bytes; expected at least {offset + 4}.");
        return BinaryPrimitives.ReadInt32LittleEndian(payload.FirstSpan[offset..]);
    }
}
