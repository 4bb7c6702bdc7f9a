using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Channels.Contracts;
using Channels.Transports;
using Channels.Wire;

namespace Channels.Lanes;

/// <summary>
/// The reader of one lane: a single-producer ring of received messages sized by the window (an honest writer never
/// has more in flight, so it never fills). The producer (the link's receive loop, or the in-process writer under its
/// lock) stores a whole frame into the ring outside any lock, publishes it with one release store and wakes a parked
/// reader once. A reader takes no lock: the thread that reads the lane owns it and claims the consumer side with plain
/// stores (<see cref="ThreadTicket"/>); readers on other threads take it with one compare-and-swap and take turns with
/// the owner, which gives up its ticket when it parks. Then it reads the slot and advances the head. Consumed messages
/// return window to the writer a quarter of the window at a time. Completion and errors take effect after every
/// message received before them.
/// </summary>
/// <remarks>
/// Over a transport whose readers decode (<see cref="Transports.ILinkTransport.ReadersDecode"/>: shared memory, NATS), a
/// lane whose codec decodes spans (every generated one but the raw and byte-array ones) keeps its messages of up to
/// <see cref="DeferredMessageBytes"/> as their encodings (<see cref="EncodedRing"/>), and the reader that takes one
/// decodes it: its objects then live only as long as the reader keeps them, instead of waiting decoded in the ring,
/// where a lagging reader's window of them outlived the collector's youngest generation. A kept message that does not
/// decode ends the link when a reader reaches it, after every message before it: the reader's wait throws the
/// <see cref="ProtocolException"/>, as when it is decoded on arrival.
/// </remarks>
/// <typeparam name="T">The lane's message type.</typeparam>
[DebuggerDisplay("Lane {_lane} reader: {Count} buffered, done {_done is not null}")]
internal sealed class LaneReader<T> : ChannelReader<T>, IReaderLane
{
    private static readonly Exception Completed = new ChannelClosedException("completed");

    private const int InitialRingSize = 64;

    /// <summary>
    /// A thread that took the lane must have read this many messages before another thread takes it from it (else the
    /// lane is shared: every read takes the lock), and a thread as many in a row under the lock to own a shared lane.
    /// </summary>
    private const int ReadsPerOwner = 4096;

    /// <summary>
    /// Messages of at least this size (8 KiB) are not polled for over a socket: copying one out of the socket and
    /// decoding it take microseconds, which the receive thread then does while the reader works on the one before
    /// (measured: 64 KiB arrays ran 10% slower when the reader received them itself).
    /// </summary>
    private const int LargeMessageBytes = 8 * 1024;

    /// <summary>
    /// Encodings of at most this size (4 KiB) wait to be decoded by the reader; larger messages are decoded on arrival,
    /// which costs no more than copying their encoding would.
    /// </summary>
    private const int DeferredMessageBytes = 4 * 1024;

    private readonly ChannelLink _link;
    private readonly int _lane;
    private readonly ILaneCodec<T> _codec;
    private readonly ISpanLaneCodec<T>? _spanCodec;
    // The codec encodes raw bytes (IRawLaneCodec): messages of the right size are copied out here, not decoded by it.
    private readonly bool _raw;
    // The lane carries byte arrays in MemoryPack's encoding (IByteArrayLaneCodec): a large one is received into its own array.
    private readonly bool _byteArrays;
    // Messages may wait encoded (see remarks): the codec decodes spans, and is neither raw nor a byte array's.
    private readonly bool _defers;
    private readonly int _encodedLimit;
    // Made by the first message kept encoded; written by the producer only.
    private EncodedRing? _encoded;
    // The message a reader could not decode: nothing is read past it, and the link ends with this error.
    private volatile ProtocolException? _undecodable;
    private readonly Lock _lock = new();
    private readonly WaiterList _waiters;
    private readonly int _windowMessages;
    private readonly int _creditBatchMessages;
    private readonly long _creditBatchBytes;
    private readonly int _ringLimit;
    // Swapped for a larger one only by the producer while it holds the consumer side (Reading), so a reader that
    // holds it sees the ring and its mask together.
    private Slot[] _slots;
    private int _mask;
    private RingPositions _positions;
    // Who reads without the consumer lock (see EnterConsumer); replaced only by a holder of the lock.
    private ThreadTicket _ticket = ThreadTicket.Nobody;
    // Under the lock: the head when the ticket was last issued or revoked, and while the lane is shared, the thread
    // that read last under the lock and how many of its reads came in a row.
    private long _claimedAt;
    private ThreadTicket? _sharedReader;
    private int _sharedRun;
    private int _consumedMessages;
    private long _consumedBytes;
    private volatile Exception? _done;
    // The last frame delivered carried large messages (see LargeMessageBytes).
    private bool _largeMessages;
    private TaskCompletionSource? _completion;
    private IWriterLane? _localWriter;

    public LaneReader(ChannelLink link, int lane, ILaneCodec<T> codec, int windowMessages, int windowBytes)
    {
        _link = link;
        _lane = lane;
        _codec = codec;
        _spanCodec = codec as ISpanLaneCodec<T>;
        _raw = RawCodec.Applies(codec);
        _byteArrays = typeof(T) == typeof(byte[]) && codec is IByteArrayLaneCodec;
        _defers = _spanCodec is not null && !_raw && !_byteArrays;
        // An honest writer has at most the byte window and one more message in flight.
        _encodedLimit = (int)Math.Min(64L << 20, (long)windowBytes + 2 * DeferredMessageBytes);
        _waiters = new WaiterList(_lock);
        _windowMessages = windowMessages;
        _creditBatchMessages = Math.Max(1, windowMessages / 4);
        _creditBatchBytes = Math.Max(1, windowBytes / 4);
        // The ring starts small and grows towards the window only while the reader falls behind that far: a
        // wide window costs memory only on lanes that use it.
        _ringLimit = (int)BitOperations.RoundUpToPowerOf2((uint)windowMessages);
        int size = Math.Min(_ringLimit, InitialRingSize);
        _slots = new Slot[size];
        _mask = size - 1;
    }

    public int Lane => _lane;

    public int WindowMessages => _windowMessages;

    bool IReaderLane.HasBacklog(out long consumed)
    {
        consumed = Volatile.Read(ref _positions.Head);
        return !IsEmpty;
    }

    public override bool CanCount => true;

    public override bool CanPeek => true;

    public override int Count => (int)Math.Max(0, Volatile.Read(ref _positions.Tail) - Volatile.Read(ref _positions.Head));

    public override Task Completion
    {
        get
        {
            TaskCompletionSource completion;
            lock (_lock)
            {
                if (_completion is not null)
                    return _completion.Task;
                completion = _completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            if (_done is not null && IsEmpty)
                FinishCompletion();
            return completion.Task;
        }
    }

    // Also when a message did not decode: nothing after it is read.
    private bool IsEmpty => Volatile.Read(ref _positions.Tail) == Volatile.Read(ref _positions.Head) || _undecodable is not null;

    public override bool TryRead([MaybeNullWhen(false)] out T item)
    {
        _link.OnLaneUse();
        ThreadTicket? ticket = EnterConsumer();
        long head = _positions.Head;
        if (head == Volatile.Read(ref _positions.Tail) || _undecodable is not null)
        {
            ExitConsumer(ticket);
            item = default;
            return false;
        }
        int index = (int)head & _mask;
        ref Slot slot = ref _slots[index];
        int size = slot.Size;
        if (size >= 0)
        {
            item = slot.Item;
            if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
                slot.Item = default!;
        }
        else if (!TryDecodeEncoded(size = ~size, out item))
        {
            ExitConsumer(ticket);
            FailUndecodable();
            return false;
        }
        int consumed = _consumedMessages + 1;
        long bytes = _consumedBytes + size;
        Volatile.Write(ref _positions.Head, head + 1);
        bool grant = consumed >= _creditBatchMessages || bytes >= _creditBatchBytes;
        if (grant)
        {
            _consumedMessages = 0;
            _consumedBytes = 0;
        }
        else
        {
            _consumedMessages = consumed;
            _consumedBytes = bytes;
        }
        ExitConsumer(ticket);
        if (grant)
            ReturnCredit(consumed, bytes);
        if (_done is not null && IsEmpty)
            FinishCompletion();
        return true;
    }

    public override bool TryPeek([MaybeNullWhen(false)] out T item)
    {
        ThreadTicket? ticket = EnterConsumer();
        long head = _positions.Head;
        bool found = head != Volatile.Read(ref _positions.Tail) && _undecodable is null;
        item = default;
        if (found)
        {
            ref Slot slot = ref _slots[(int)head & _mask];
            if (slot.Size < 0)
            {
                // Decoded once: the slot keeps the message for the read that takes it.
                found = TryDecodeEncoded(~slot.Size, out item);
                if (found)
                {
                    slot.Item = item!;
                    slot.Size = ~slot.Size;
                }
            }
            else
            {
                item = slot.Item;
            }
        }
        ExitConsumer(ticket);
        if (!found && _undecodable is not null)
            FailUndecodable();
        return found;
    }

    // Claims the consumer side: with the ticket of this thread, when it owns the lane (plain loads and stores, no
    // interlocked instruction: see ThreadTicket), otherwise under the lock (null), deciding who owns it next.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ThreadTicket? EnterConsumer()
    {
        ThreadTicket ticket = Volatile.Read(ref _ticket);
        if (ticket == ThreadTicket.Current)
        {
            Volatile.Write(ref ticket.Busy, ticket.Busy + 1);
            if (Volatile.Read(ref _ticket) == ticket)
                return ticket;
            Volatile.Write(ref ticket.Busy, ticket.Busy - 1);
        }
        EnterLocked();
        return null;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ExitConsumer(ThreadTicket? ticket)
    {
        if (ticket is not null)
            Volatile.Write(ref ticket.Busy, ticket.Busy - 1);
        else
            Volatile.Write(ref _positions.Reading, 0);
    }

    // Takes the consumer lock, then gives the lane to this thread when nobody owns it, or when it has read
    // ReadsPerOwner messages in a row while the lane was shared; takes it from another thread that owns it (which
    // waits for that thread to leave its read), to this one when the other read ReadsPerOwner messages since it
    // took the lane, else to nobody in particular (Shared).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterLocked()
    {
        if (Interlocked.CompareExchange(ref _positions.Reading, 1, 0) != 0)
            WaitForTurn();
        ThreadTicket current = _ticket;
        ThreadTicket me = ThreadTicket.Current;
        if (current == me)
            return;
        if (current == ThreadTicket.Nobody)
        {
            Claim(me);
        }
        else if (current != ThreadTicket.Shared)
        {
            RevokeLocked(current, _positions.Head - _claimedAt >= ReadsPerOwner ? me : ThreadTicket.Shared);
            _claimedAt = _positions.Head;
            _sharedReader = null;
        }
        else
        {
            if (_sharedReader != me)
            {
                _sharedReader = me;
                _sharedRun = 0;
            }
            if (++_sharedRun >= ReadsPerOwner)
                Claim(me);
        }
    }

    // Under the consumer lock, when no thread reads without it (Nobody, Shared): nothing to wait for.
    private void Claim(ThreadTicket thread)
    {
        Volatile.Write(ref _ticket, thread);
        _claimedAt = _positions.Head;
        _sharedReader = null;
    }

    // Under the consumer lock: replaces the ticket, then waits until its thread cannot be reading any more. Its next
    // read sees the new ticket (the process-wide barrier orders its busy mark before its second look at the ticket).
    private void RevokeLocked(ThreadTicket current, ThreadTicket next)
    {
        Volatile.Write(ref _ticket, next);
        if (!current.IsThread || current == ThreadTicket.Current)
            return;
        Interlocked.MemoryBarrierProcessWide();
        SpinWait spin = default;
        while (Volatile.Read(ref current.Busy) != 0)
            spin.SpinOnce(sleep1Threshold: -1);
    }

    // A reader about to park gives up its ticket: it will likely resume on another thread, which then takes the lane
    // from nobody instead of from this thread (no barrier, no wait). Lost to a revocation that came first, harmlessly.
    private void ReleaseTicket()
    {
        ThreadTicket ticket = Volatile.Read(ref _ticket);
        if (ticket == ThreadTicket.Current)
            Interlocked.CompareExchange(ref _ticket, ThreadTicket.Nobody, ticket);
    }

    public override ValueTask<T> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<T>(cancellationToken);
        if (TryRead(out T? item))
            return new ValueTask<T>(item);
        return ReadSlowAsync(cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<T> ReadSlowAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (!await WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                throw new ChannelClosedException($"The writer of {_link.DescribeLane(_lane)} completed; no more messages.");
            if (TryRead(out T? item))
                return item;
        }
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
        => WaitToReadAsync(poll: true, cancellationToken);

    /// <summary>
    /// <see cref="WaitToReadAsync(CancellationToken)"/>, optionally without receiving on this thread first
    /// (<paramref name="poll"/> false): for a caller that holds work to finish as soon as it has parked, which a
    /// polling wait would hold back for as long as it polls.
    /// </summary>
    internal ValueTask<bool> WaitToReadAsync(bool poll, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<bool>(cancellationToken);
        _link.OnLaneUse();
        if (!IsEmpty)
            return new ValueTask<bool>(true);
        if (poll && _link.InlineReceiver is { } inline && _done is null && !(_largeMessages && inline.PollIsSystemCall)
            && PollForMessages(inline, cancellationToken))
            return new ValueTask<bool>(true);
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<bool>(cancellationToken);
        lock (_lock)
        {
            // Announce the parked reader before looking again (a full fence): the producer publishes, then looks for
            // parked readers, so one of the two sees the other and no wake-up is lost.
            Interlocked.Exchange(ref _positions.Parked, 1);
            if (!IsEmpty)
                return new ValueTask<bool>(true);
            Exception? done = _done;
            if (done is not null)
                return ReferenceEquals(done, Completed) ? new ValueTask<bool>(false) : ValueTask.FromException<bool>(done);
            ReleaseTicket();
            return _waiters.Add(cancellationToken);
        }
    }

    // Receives on this thread for a while before parking (see IInlineReceiver): a message that arrives meanwhile
    // costs no thread wake-up on either side. True when this lane has a message.
    private bool PollForMessages(IInlineReceiver inline, CancellationToken cancellationToken)
    {
        if (!inline.BeginPolling())
            return false;
        bool found = false;
        try
        {
            long deadline = Stopwatch.GetTimestamp() + inline.PollTicks;
            for (int round = 1; ; round++)
            {
                inline.Poll();
                if (!IsEmpty)
                    return found = true;
                if (_done is not null)
                    return false;
                if (!PauseBetweenPolls(inline, round, deadline, cancellationToken))
                    return false;
            }
        }
        finally
        {
            inline.EndPolling(parking: !found);
        }
    }

    /// <summary>
    /// Receives on this thread (shared memory, a busy Unix socket: see <see cref="IInlineReceiver"/>) until <paramref name="awaited"/>
    /// completes or the transport's poll time has passed; does nothing over other transports. For a caller that is
    /// about to wait for something a delivery to this link completes, such as the answer to a call: the wake-up that
    /// a delivery causes (this lane's parked reader) runs here, outside the polling session, instead of on the
    /// thread pool, whose wake-up would cost the round trip many times over.
    /// </summary>
    internal void PollUntilCompleted(Task awaited, CancellationToken cancellationToken)
    {
        if (_link.InlineReceiver is not { } inline || awaited.IsCompleted || !inline.BeginPolling())
            return;
        InlineWakeUps wakeUps = t_pollWakeUps ??= new InlineWakeUps();
        long deadline = Stopwatch.GetTimestamp() + inline.PollTicks;
        bool polling = true;
        bool parking = true;
        try
        {
            for (int round = 1; ; round++)
            {
                wakeUps.BeginCollecting();
                try
                {
                    inline.Poll();
                }
                catch
                {
                    // A wake-up of a frame delivered before the failure must still happen.
                    if (wakeUps.EndCollecting() is { } delivered)
                        ThreadPool.UnsafeQueueUserWorkItem(delivered, preferLocal: false);
                    throw;
                }
                if (wakeUps.EndCollecting() is { } wakeUp)
                {
                    // Run outside the session: a continuation that blocks must not leave the ring without a consumer.
                    polling = false;
                    inline.EndPolling(parking: false);
                    wakeUp.Execute();
                }
                if (awaited.IsCompleted)
                {
                    parking = false;
                    return;
                }
                if (_done is not null || !PauseBetweenPolls(inline, round, deadline, cancellationToken))
                    return;
                if (!polling)
                {
                    if (!inline.BeginPolling())
                        return;
                    polling = true;
                }
            }
        }
        finally
        {
            if (polling)
                inline.EndPolling(parking);
        }
    }

    [ThreadStatic]
    private static InlineWakeUps? t_pollWakeUps;

    // Between two polls of a reader: false once the poll time has passed or the wait was cancelled (looked at every
    // 64 rounds when a poll is a look at memory, whose cost the clock's exceeds; every round when it is a system
    // call); otherwise a short spin, or with busy-spin now and then a yield.
    private static bool PauseBetweenPolls(IInlineReceiver inline, int round, long deadline, CancellationToken cancellationToken)
    {
        if (((round & 63) == 0 || inline.PollIsSystemCall) && (Stopwatch.GetTimestamp() >= deadline || cancellationToken.IsCancellationRequested))
            return false;
        bool busy = inline.BusySpin;
        if (busy && (round & 1023) == 0)
            Thread.Yield();
        else
            Thread.SpinWait(busy ? 1 : 4);
        return true;
    }

    int IReaderLane.Deliver(ReadOnlyMemory<byte> payload, bool isBatch)
    {
        if (_done is not null)
            return 0;
        long tail = _positions.Tail;
        long first = tail;
        long limit = Limit(Volatile.Read(ref _positions.Head));
        if (_spanCodec is { } spanCodec)
        {
            // One span for the whole frame: no sequence is built per message.
            ReadOnlySpan<byte> frame = payload.Span;
            bool keepEncoded = _defers && _link.ReadersDecode;
            if (!isBatch)
            {
                Store(ref tail, ref limit, spanCodec, frame, keepEncoded);
            }
            else
            {
                // A raw lane's entries are all one size: copied in one tight loop up to the first that is not.
                int done = _raw ? StoreRawEntries(ref tail, ref limit, frame) : 0;
                var entries = new BatchReader(frame, done);
                while (entries.TryNext(out int start, out int length))
                    Store(ref tail, ref limit, spanCodec, frame.Slice(start, length), keepEncoded);
            }
        }
        else if (!isBatch)
        {
            Store(ref tail, ref limit, payload);
        }
        else
        {
            var entries = new BatchReader(payload.Span);
            while (entries.TryNext(out int start, out int length))
                Store(ref tail, ref limit, payload.Slice(start, length));
        }
        // Bytes per message of this frame (its payload counts prefixes too: close enough for the threshold).
        long count = tail - first;
        bool large = count > 0 && payload.Length >= LargeMessageBytes * count;
        if (large != _largeMessages)
            _largeMessages = large;
        Publish(tail);
        return (int)count;
    }

    byte[]? IReaderLane.LargeMessageDestination(int payloadLength, ReadOnlySpan<byte> head)
    {
        if (!_byteArrays || _done is not null)
            return null;
        uint entry = BinaryPrimitives.ReadUInt32LittleEndian(head);
        int count = BinaryPrimitives.ReadInt32LittleEndian(head.Slice(FrameLayout.BatchEntryPrefixSize));
        // One entry filling the frame, an array filling the entry; anything else takes the usual path and its checks.
        if (entry != (uint)(payloadLength - FrameLayout.BatchEntryPrefixSize) || count != payloadLength - FrameLayout.LargeFrameHeadSize)
            return null;
        return GC.AllocateUninitializedArray<byte>(count);
    }

    int IReaderLane.DeliverLarge(byte[] message)
    {
        if (_done is not null)
            return 0;
        long tail = _positions.Tail;
        if (tail >= Limit(Volatile.Read(ref _positions.Head)))
            MakeRoom(tail);
        ref Slot slot = ref _slots[(int)tail & _mask];
        slot.Item = Unsafe.As<byte[], T>(ref message);
        // As a decoded entry counts: the message's encoded size, its element count included.
        slot.Size = sizeof(int) + message.Length;
        if (!_largeMessages)
            _largeMessages = true;
        Publish(tail + 1);
        return 1;
    }

    /// <summary>Queues a message from a writer in this process; the writer checked credit and holds its lock.</summary>
    internal void EnqueueLocal(T item)
    {
        if (_done is not null)
            return;
        long tail = _positions.Tail;
        if (tail >= Limit(Volatile.Read(ref _positions.Head)))
            MakeRoom(tail);
        ref Slot slot = ref _slots[(int)tail & _mask];
        slot.Item = item;
        slot.Size = 0;
        Publish(tail + 1);
    }

    /// <summary>
    /// Takes the next message written into this ring in process before its end went to a child process; the caller
    /// holds the writer's lock and nobody reads this end here (it is detached). No credit is returned.
    /// </summary>
    internal bool TryTakeEarly([MaybeNullWhen(false)] out T item)
    {
        long head = _positions.Head;
        if (head == Volatile.Read(ref _positions.Tail))
        {
            item = default;
            return false;
        }
        int index = (int)head & _mask;
        item = _slots[index].Item;
        _slots[index].Item = default!;
        Volatile.Write(ref _positions.Head, head + 1);
        return true;
    }

    public void CompleteRemote(RemoteException? error)
        => End(error is null ? Completed : new ChannelClosedException($"The writer of {_link.DescribeLane(_lane)} failed: {error.Message}", error));

    public void FailLink(Exception error) => End(error);

    void IReaderLane.BindLocal(IWriterLane writer) => Volatile.Write(ref _localWriter, writer);

    private void Store(ref long tail, ref long limit, ReadOnlyMemory<byte> encoded)
    {
        if (tail >= limit)
            limit = MakeRoom(tail);
        int index = (int)tail & _mask;
        ref Slot slot = ref _slots[index];
        slot.Item = Decode(encoded);
        slot.Size = encoded.Length;
        tail++;
    }

    // Copies the leading entries of a raw lane's Batch payload whose length is the message's size; returns the bytes
    // taken. The rest (an entry of another length, a cut one) goes through the checks of BatchReader and the codec.
    private int StoreRawEntries(ref long tail, ref long limit, ReadOnlySpan<byte> payload)
    {
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
            return 0;
        int size = Unsafe.SizeOf<T>();
        int entry = FrameLayout.BatchEntryPrefixSize + size;
        ref byte start = ref MemoryMarshal.GetReference(payload);
        int offset = 0;
        while (payload.Length - offset >= entry
               && BinaryPrimitives.ReadUInt32LittleEndian(payload.Slice(offset)) == (uint)size)
        {
            if (tail >= limit)
                limit = MakeRoom(tail);
            ref Slot slot = ref _slots[(int)tail & _mask];
            slot.Item = Unsafe.ReadUnaligned<T>(ref Unsafe.Add(ref start, offset + FrameLayout.BatchEntryPrefixSize));
            slot.Size = size;
            tail++;
            offset += entry;
        }
        return offset;
    }

    // keepEncoded: the frame's small messages wait encoded for the reader (see remarks).
    private void Store(ref long tail, ref long limit, ISpanLaneCodec<T> codec, ReadOnlySpan<byte> encoded, bool keepEncoded)
    {
        if (tail >= limit)
            limit = MakeRoom(tail);
        int index = (int)tail & _mask;
        ref Slot slot = ref _slots[index];
        if (keepEncoded && encoded.Length <= DeferredMessageBytes && (_encoded ??= new EncodedRing(_encodedLimit)).TryAppend(encoded))
        {
            // Decoded by the reader that takes it (see remarks); the slot's message stays empty meanwhile.
            slot.Size = ~encoded.Length;
        }
        else
        {
            // A raw codec's message of the right size is copied here; any other payload goes to the codec, which refuses it.
            slot.Item = _raw && encoded.Length == Unsafe.SizeOf<T>() ? Unsafe.ReadUnaligned<T>(in encoded[0]) : Decode(codec, encoded);
            slot.Size = encoded.Length;
        }
        tail++;
    }

    // How far the producer may fill before it looks at the head again: the window's end or the ring's, whichever
    // comes first.
    private long Limit(long head) => head + Math.Min(_windowMessages, _slots.Length);

    // The producer reached its limit at tail: beyond the window is the writer's fault; a ring smaller than the
    // window doubles. Returns the new limit.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private long MakeRoom(long tail)
    {
        long head = Volatile.Read(ref _positions.Head);
        if (tail - head >= _windowMessages)
            ThrowWindowExceeded();
        if (tail - head >= _slots.Length)
            Grow(tail);
        return Limit(Volatile.Read(ref _positions.Head));
    }

    private void Grow(long tail)
    {
        if (Interlocked.CompareExchange(ref _positions.Reading, 1, 0) != 0)
            WaitForTurn();
        // The owner reads without the lock: it must be out before the ring changes under it.
        ThreadTicket current = _ticket;
        if (current.IsThread)
            RevokeLocked(current, ThreadTicket.Nobody);
        try
        {
            long head = _positions.Head;
            Slot[] slots = _slots;
            int size = Math.Min(_ringLimit, slots.Length * 2);
            var grown = new Slot[size];
            int mask = size - 1;
            for (long position = head; position < tail; position++)
                grown[(int)position & mask] = slots[(int)position & _mask];
            _slots = grown;
            _mask = mask;
        }
        finally
        {
            Volatile.Write(ref _positions.Reading, 0);
        }
    }

    private void Publish(long tail)
    {
        Volatile.Write(ref _positions.Tail, tail);
        // Publish, then look for a parked reader (a full fence between the two; see WaitToReadAsync).
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _positions.Parked) != 0)
            WakeReaders();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WakeReaders()
    {
        Waiter? waiters;
        lock (_lock)
        {
            _positions.Parked = 0;
            waiters = _waiters.DetachAll();
        }
        WaiterList.Wake(waiters, true, null);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WaitForTurn()
    {
        // Another reader holds the consumer side for a few instructions.
        SpinWait spin = default;
        do
            spin.SpinOnce();
        while (Interlocked.CompareExchange(ref _positions.Reading, 1, 0) != 0);
    }

    private void End(Exception done)
    {
        Waiter? waiters;
        lock (_lock)
        {
            if (_done is not null)
                return;
            _done = done;
            _positions.Parked = 0;
            waiters = _waiters.DetachAll();
        }
        // Messages still buffered are read first (the waiters retry and find them); an empty lane ends at once.
        bool empty = IsEmpty;
        if (!empty)
            WaiterList.Wake(waiters, true, null);
        else if (ReferenceEquals(done, Completed))
            WaiterList.Wake(waiters, false, null);
        else
            WaiterList.Wake(waiters, false, done);
        if (empty)
            FinishCompletion();
    }

    private T Decode(ReadOnlyMemory<byte> payload)
    {
        try
        {
            return _codec.Decode(new ReadOnlySequence<byte>(payload));
        }
        catch (ProtocolException ex)
        {
            // The codec's own verdict on its input.
            ex.ErrorType = Diagnostics.ProtocolErrorTypes.Undecodable;
            throw;
        }
        catch (Exception ex)
        {
            throw new ProtocolException($"A message of {_link.DescribeLane(_lane)} does not decode ({payload.Length} bytes): {ex.Message}", ex) { ErrorType = Diagnostics.ProtocolErrorTypes.Undecodable };
        }
    }

    private T Decode(ISpanLaneCodec<T> codec, ReadOnlySpan<byte> payload)
    {
        try
        {
            return codec.Decode(payload);
        }
        catch (Exception ex)
        {
            ProtocolException error = Undecodable(ex, payload.Length);
            if (error == ex)
                throw;
            throw error;
        }
    }

    // The codec's own verdict on its input (a ProtocolException), or any other exception of its, as a ProtocolException.
    private ProtocolException Undecodable(Exception error, int length)
    {
        if (error is ProtocolException protocol)
        {
            protocol.ErrorType = Diagnostics.ProtocolErrorTypes.Undecodable;
            return protocol;
        }
        return new ProtocolException($"A message of {_link.DescribeLane(_lane)} does not decode ({length} bytes): {error.Message}", error) { ErrorType = Diagnostics.ProtocolErrorTypes.Undecodable };
    }

    // The reader holding the consumer side: decodes the oldest encoding kept and frees it. False when it does not
    // decode: the lane then reads nothing more (see FailUndecodable).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryDecodeEncoded(int length, [MaybeNullWhen(false)] out T item)
    {
        EncodedRing encoded = _encoded!;
        ReadOnlySpan<byte> payload = encoded.Peek(length);
        // The codec is called here, not through Decode: one frame with a handler instead of two per message.
        try
        {
            item = _spanCodec!.Decode(payload);
        }
        catch (Exception ex)
        {
            _undecodable = Undecodable(ex, payload.Length);
            item = default;
            return false;
        }
        encoded.Release(length);
        return true;
    }

    // A reader met a message that does not decode: the link ends with that error, as when the receive loop meets one.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FailUndecodable() => _link.FailUndecodable(_undecodable!, _lane);

    private void ReturnCredit(int messages, long bytes)
    {
        IWriterLane? local = Volatile.Read(ref _localWriter);
        if (local is not null)
            local.AddCredit(messages, 0);
        else
            _link.AppendCredit(_lane, messages, bytes);
    }

    private void FinishCompletion()
    {
        TaskCompletionSource? completion;
        lock (_lock)
            completion = _completion;
        Exception? done = _done;
        if (completion is null || done is null)
            return;
        if (ReferenceEquals(done, Completed))
        {
            completion.TrySetResult();
        }
        else if (completion.TrySetException(done))
        {
            // The same error reaches every read; nobody has to await Completion to keep it from going unobserved.
            _ = completion.Task.Exception;
        }
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowWindowExceeded()
        => throw new ProtocolException($"The other side sent more than the window of {_windowMessages} messages on {_link.DescribeLane(_lane)}.") { ErrorType = Diagnostics.ProtocolErrorTypes.WindowExceeded };

    /// <summary>
    /// A message and its encoded size (for the byte window), side by side: one array, and no covariant array store
    /// check when the message is a reference. A message kept encoded has no item yet and the complement of its size.
    /// </summary>
    private struct Slot
    {
        public T Item;
        public int Size;
    }
}
