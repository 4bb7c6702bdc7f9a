using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Channels.Contracts;
using Channels.Wire;

namespace Channels.Lanes;

/// <summary>
/// The writer of one lane. A message is admitted while the remote reader's window has room (credit): it is encoded
/// straight into the link's pooled output buffer (or, in process, handed to the reader as the object itself).
/// <see cref="WriteAsync"/> waits for credit, <see cref="TryWrite"/> returns false without it.
/// </summary>
/// <remarks>
/// A lane over a transport that one thread writes takes no lock per message: the thread that last wrote through
/// the send lock owns the lane's <see cref="LaneStage"/> and appends there (a raw lane's message as its bytes, see
/// <see cref="TryWriteStaged"/>; another's encoded, see <see cref="TryWriteEncodedStaged"/>). Another
/// thread's write revokes that ownership under the lock and takes it over, unless owners change so often that the lane
/// has several writers at once; it is then shared, every write under the lock as for every other lane, until one
/// thread writes <see cref="MessagesPerOwner"/> in a row (a writer that moves between threads, as an async one does
/// after waiting for credit, keeps the lock off most of its writes).
/// Credit is two cumulative counts, granted and used, so the owner checks it by reading what the lock holders grant.
/// </remarks>
/// <typeparam name="T">The lane's message type.</typeparam>
[DebuggerDisplay("Lane {_lane} writer: credit {_grantedMessages - _usedMessages} messages / {_grantedBytes - _usedBytes} bytes, completed {_completed}")]
internal sealed class LaneWriter<T> : ChannelWriter<T>, IWriterLane, IEntryEncoder
{
    private readonly ChannelLink _link;
    private readonly int _lane;
    private readonly ILaneCodec<T> _codec;
    // The codec encodes raw bytes (IRawLaneCodec): the link copies them itself, without calling it.
    private readonly bool _raw;
    // The codec writes byte arrays in MemoryPack's encoding (IByteArrayLaneCodec): a large one is sent from where it
    // is, in a frame of its own, which the other end receives straight into the array its reader gets.
    private readonly bool _byteArrays;
    // The codec encodes as MemoryPack does (IMemoryPackLaneCodec) a [MemoryPackable] type: the link encodes it
    // itself, through a writer made for its buffer (PackableEncoder).
    private readonly bool _packable;
    // The codec writes the encoding itself into a span it bounds (IDirectLaneCodec): an owner encodes into its stage.
    private readonly IDirectLaneCodec<T>? _direct;
    private readonly Lock _lock;
    private readonly WaiterList _waiters;
    // Window granted and used since the lane opened: the credit is the difference. Granted grows under the send lock
    // only; used grows under it, or on the stage's owner thread while it owns the stage.
    private long _grantedMessages;
    private long _grantedBytes;
    private long _usedMessages;
    private long _usedBytes;
    // Sent over a transport and returned by the remote reader since the link started: what is out is the difference,
    // and the sent totals are the link's metrics (read by the send loop, written where used is).
    private long _sentMessages;
    private long _sentBytes;
    private long _returnedMessages;
    private long _returnedBytes;
    private bool _active;
    private bool _completed;
    private bool _completionSent;
    private Exception? _completionError;
    private Exception? _failure;
    private LaneReader<T>? _localReader;
    // The message being appended (under the send lock) while the link's send path calls back EncodeEntry.
    private T _appending = default!;
    // The lane's stage once a write over the transport made one (an encoded lane's after EncodedStageAfter messages);
    // null before, and in process.
    private LaneStage? _stage;
    private bool _stageRefused;
    // The encoded size of the last message staged (the stage's owner's).
    private int _lastStagedSize;
    // Used messages when the stage last changed owner: owners that change again sooner share the lane instead.
    private long _usedAtClaim;
    // While the lane is shared: the thread that wrote last under the lock, and how many of its writes came in a row.
    private ThreadTicket? _lastSharedWriter;
    private int _sharedRun;

    /// <summary>
    /// A new owner must have written this many messages since the last change for the stage to move again, and a
    /// thread as many in a row under the lock to own a shared lane.
    /// </summary>
    private const int MessagesPerOwner = 4096;

    /// <summary>The longest byte array a lane stages; longer ones take the send lock.</summary>
    private const int StagedArrayBytes = 256;

    /// <summary>An encoded lane gets a stage once it has written this many messages.</summary>
    private const int EncodedStageAfter = 1024;

    public LaneWriter(ChannelLink link, int lane, ILaneCodec<T> codec)
    {
        _link = link;
        _lane = lane;
        _codec = codec;
        _raw = RawCodec.Applies(codec);
        _byteArrays = typeof(T) == typeof(byte[]) && codec is IByteArrayLaneCodec;
        _direct = !_raw && codec is IDirectLaneCodec<T> { EncodesDirectly: true } direct ? direct : null;
        _packable = !_raw && _direct is null && codec is IMemoryPackLaneCodec && PackableEncoder<T>.IsAvailable;
        // The link's send lock: encoding into the pending frames then re-enters a lock already held.
        _lock = link.SendLock;
        _waiters = new WaiterList(_lock);
    }

    public int Lane => _lane;

    public long SentMessages => Volatile.Read(ref _sentMessages);

    public long SentBytes => Volatile.Read(ref _sentBytes);

    public override bool TryWrite(T item)
    {
        if (_stage is { } stage)
        {
            // The first test is folded away by the JIT for every T with references.
            if (!RuntimeHelpers.IsReferenceOrContainsReferences<T>() && _raw)
            {
                if (TryWriteStaged(stage, in item))
                    return true;
            }
            else if (TryWriteEncodedStaged(stage, item))
            {
                return true;
            }
        }
        return TryWriteLocked(item);
    }

    // The owner's write: no lock, no interlocked instruction. False when this thread does not own the stage, or the
    // locked path must decide (no credit, a full stage, completed, failed).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryWriteStaged(LaneStage stage, in T item)
    {
        ThreadTicket ticket = ThreadTicket.Current;
        if (!stage.TryEnter(ticket))
            return false;
        int size = Unsafe.SizeOf<T>();
        long used = _usedMessages;
        if (!MayStage(used) || !stage.HasRoom())
        {
            LaneStage.Exit(ticket);
            return false;
        }
        CountStaged(used, size);
        stage.Append(in item);
        LaneStage.Exit(ticket);
        OfferStaged(stage);
        return true;
    }

    // The owner, inside the stage: whether the lane is open and has credit (granted grows under the send lock only).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool MayStage(long used)
        => !Volatile.Read(ref _completed) && Volatile.Read(ref _failure) is null
            && used < Volatile.Read(ref _grantedMessages) && _usedBytes < Volatile.Read(ref _grantedBytes);

    // The owner, before it publishes an entry: the reader may return its credit as soon as the entry is sent.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CountStaged(long used, int size)
    {
        Volatile.Write(ref _usedMessages, used + 1);
        Volatile.Write(ref _usedBytes, _usedBytes + size);
        Volatile.Write(ref _sentMessages, _sentMessages + 1);
        Volatile.Write(ref _sentBytes, _sentBytes + size);
    }

    // The owner, after it published an entry: a sleeping send loop is told, and a stage with enough waiting sent.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void OfferStaged(LaneStage stage)
    {
        FrameOutbox outbox = _link.Outbox;
        if (outbox.IsIdle)
            outbox.OnStagedWhileIdle();
        else if (stage.IsFlushDue(FrameOutbox.InlineFlushBytes))
            outbox.OnStageFull();
    }

    // The owner's write of an encoded lane: encoded straight into the stage when the codec bounds its encoding
    // (IDirectLaneCodec) and the bound fits, otherwise into the stage's scratch buffer and then copied in as one entry.
    // False as TryWriteStaged, and for a message the stage does not take (a byte array of more than StagedArrayBytes,
    // more than MaxMessage encoded, no room): the locked path then encodes it again, which a full stage's writer pays
    // while the link sends anyway.
    private bool TryWriteEncodedStaged(LaneStage stage, T item)
    {
        // Staged, an array is copied twice more than under the lock (into the scratch buffer, then the stage), which
        // costs more than the lock from a few hundred bytes on.
        if (_byteArrays && Unsafe.As<T, byte[]?>(ref item) is { Length: > StagedArrayBytes })
            return false;
        ThreadTicket ticket = ThreadTicket.Current;
        if (!stage.TryEnter(ticket))
            return false;
        long used = _usedMessages;
        // A full stage is seen before encoding, by the size of the last message staged: the locked path, which takes the
        // stage's entries out, would encode it again.
        if (!MayStage(used) || !stage.HasRoomFor(_lastStagedSize))
        {
            LaneStage.Exit(ticket);
            return false;
        }
        bool? staged;
        try
        {
            staged = _direct is { } direct ? TryAppendDirect(stage, direct, item, used) : null;
            staged ??= TryAppendThroughScratch(stage, item, used);
        }
        catch
        {
            LaneStage.Exit(ticket);
            throw;
        }
        LaneStage.Exit(ticket);
        if (!staged.Value)
            return false;
        OfferStaged(stage);
        return true;
    }

    // Encodes into the scratch buffer, then copies the entry in, counted; false (nothing staged) when it does not fit.
    private bool TryAppendThroughScratch(LaneStage stage, T item, long used)
    {
        OutputBuffer scratch = stage.Scratch;
        try
        {
            Encode(scratch, in item);
        }
        catch
        {
            scratch.Truncate(0);
            throw;
        }
        int size = scratch.Written;
        if (size > stage.MaxMessage || !stage.HasRoomFor(size))
        {
            scratch.Truncate(0);
            return false;
        }
        _lastStagedSize = size;
        CountStaged(used, size);
        stage.AppendEncoded(scratch.WrittenSpan);
        scratch.Truncate(0);
        return true;
    }

    // Encodes straight into the stage's next entry, then counts and publishes it; false when the stage has no room for
    // the codec's bound, null when the bound exceeds an entry (the scratch buffer then finds the real size).
    private bool? TryAppendDirect(LaneStage stage, IDirectLaneCodec<T> direct, T item, long used)
    {
        int max = direct.GetMaxEncodedSize(in item);
        if (max > stage.MaxMessage)
            return null;
        if (!stage.HasRoomFor(max))
            return false;
        int size;
        try
        {
            size = direct.Encode(stage.BeginEncoded(max), in item);
        }
        catch
        {
            stage.AbandonEncoded();
            throw;
        }
        _lastStagedSize = size;
        CountStaged(used, size);
        stage.EndEncoded(size);
        return true;
    }

    private bool TryWriteLocked(T item)
    {
        _link.OnLaneUse();
        lock (_lock)
        {
            if (_completed || _failure is not null)
                return false;
            // Before the credit check: an owner on another thread may use credit until it is revoked.
            if (_localReader is null)
                TakeStageLocked();
            if (!HasCreditLocked)
                return false;
            if (_localReader is not null)
            {
                _localReader.EnqueueLocal(item);
                _usedMessages++;
                return true;
            }
            CountSentLocked(Append(item));
            return true;
        }
    }

    private bool HasCreditLocked => _usedMessages < _grantedMessages && _usedBytes < _grantedBytes;

    // One message of size bytes appended under the send lock: window used, and sent for the metrics.
    private void CountSentLocked(int size)
    {
        _usedMessages++;
        _usedBytes += size;
        _sentMessages++;
        _sentBytes += size;
    }

    // A lane written over the transport: this thread owns the stage from here on (the first writer makes it).
    // A thread taking it from another waits until that one cannot append any more, then sends what it staged first.
    private void TakeStageLocked()
    {
        if (_stage is not { } stage)
        {
            bool raw = !RuntimeHelpers.IsReferenceOrContainsReferences<T>() && _raw;
            // An encoded lane streams before it gets one: a stage holds 192 KiB, and most lanes carry a few messages.
            if (_stageRefused || !_active || (!raw && _usedMessages < EncodedStageAfter))
                return;
            stage = raw
                ? _link.Outbox.AddStage(_lane, Unsafe.SizeOf<T>())
                : _link.Outbox.AddEncodedStage(_lane);
            if (stage is null)
            {
                _stageRefused = true;
                return;
            }
            // Nobody owns it yet: this thread takes it below.
            Volatile.Write(ref _stage, stage);
        }
        ThreadTicket owner = stage.Owner;
        ThreadTicket me = ThreadTicket.Current;
        if (owner != me)
        {
            ThreadTicket next = NextOwnerLocked(owner, me);
            if (next != owner)
            {
                stage.Revoke(next);
                _usedAtClaim = _usedMessages;
                _lastSharedWriter = null;
            }
        }
        if (stage.Unsent > 0)
            _link.Outbox.Gather(stage);
    }

    // Who owns the stage after this thread's locked write, when another thread (or nobody) owns it now.
    private ThreadTicket NextOwnerLocked(ThreadTicket owner, ThreadTicket me)
    {
        // New, or given up by a quiet owner (see FrameOutbox): nobody appends, so taking it needs no barrier.
        if (owner == ThreadTicket.Nobody)
            return me;
        // Another thread's: this one takes it if that one wrote long enough, else the lane has writers at once.
        if (owner != ThreadTicket.Shared)
            return _usedMessages - _usedAtClaim >= MessagesPerOwner ? me : ThreadTicket.Shared;
        // Shared: a thread that has written this many in a row under the lock is the lane's one writer again.
        if (_lastSharedWriter != me)
        {
            _lastSharedWriter = me;
            _sharedRun = 0;
        }
        return ++_sharedRun >= MessagesPerOwner ? me : owner;
    }

    // Appends one message to the link's pending frames; call under the send lock.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Append(T item)
    {
        // Folded away by the JIT for every T with references; for an unmanaged T, one flag.
        if (!RuntimeHelpers.IsReferenceOrContainsReferences<T>() && _raw)
            return _link.AppendRawMessage(_lane, in item);
        return AppendEncoded(item);
    }

    // The link's send path calls back EncodeEntry, which encodes the message held here; a large byte array goes to the
    // link as it is.
    private int AppendEncoded(T item)
    {
        if (_byteArrays && Unsafe.As<T, byte[]?>(ref item) is { Length: >= FrameLayout.LargeFrameBytes } array)
            return _link.AppendLargeArray(_lane, array);
        _appending = item;
        try
        {
            return _link.AppendMessage(_lane, this);
        }
        finally
        {
            if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
                _appending = default!;
        }
    }

    void IEntryEncoder.EncodeEntry(OutputBuffer buffer) => Encode(buffer, in _appending);

    // A direct codec's own Encode writes into the buffer as it would into a stage.
    private void Encode(OutputBuffer buffer, in T item)
    {
        if (_packable)
            PackableEncoder<T>.Encode(buffer, in item);
        else
            _codec.Encode(buffer, in item);
    }

    public override ValueTask WriteAsync(T item, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled(cancellationToken);
        if (TryWrite(item))
            return default;
        return WriteSlowAsync(item, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteSlowAsync(T item, CancellationToken cancellationToken)
    {
        // Timed only here, when the write has to wait, and only while someone listens.
        long started = Diagnostics.ChannelsMeter.CreditWait.Enabled ? Stopwatch.GetTimestamp() : 0;
        while (true)
        {
            if (!await WaitToWriteAsync(cancellationToken).ConfigureAwait(false))
                throw ClosedException();
            if (TryWrite(item))
            {
                if (started != 0)
                    _link.Metrics?.CreditWaited(_lane, started);
                return;
            }
        }
    }

    public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<bool>(cancellationToken);
        _link.OnLaneUse();
        lock (_lock)
        {
            if (_failure is not null)
                return _failure is ChannelClosedException ? new ValueTask<bool>(false) : ValueTask.FromException<bool>(_failure);
            if (_completed)
                return new ValueTask<bool>(false);
            if (HasCreditLocked)
                return new ValueTask<bool>(true);
            return _waiters.Add(cancellationToken);
        }
    }

    public override bool TryComplete(Exception? error = null)
    {
        Waiter? waiters;
        LaneReader<T>? localReader;
        lock (_lock)
        {
            if (_completed || _failure is not null)
                return false;
            Volatile.Write(ref _completed, true);
            _completionError = error;
            // The owner either appended before this (and its entries go before the completion) or sees it completed.
            _stage?.Revoke(ThreadTicket.Shared);
            localReader = _localReader;
            if (localReader is null && _active)
                SendCompletion();
            waiters = _waiters.DetachAll();
        }
        localReader?.CompleteRemote(error is null ? null : ToRemote(error));
        WaiterList.Wake(waiters, false, null);
        return true;
    }

    void IWriterLane.CompleteForDispose() => TryComplete();

    void IWriterLane.AddCredit(int messages, long bytes)
    {
        Waiter? waiters = null;
        lock (_lock)
        {
            Volatile.Write(ref _grantedMessages, _grantedMessages + messages);
            Volatile.Write(ref _grantedBytes, _grantedBytes + bytes);
            if (HasCreditLocked)
                waiters = _waiters.DetachAll();
        }
        WaiterList.Wake(waiters, true, null);
    }

    void IWriterLane.ReturnCredit(int messages, long bytes)
    {
        lock (_lock)
        {
            // The reader returns only window it consumed: more than this side sent and has not had back is a lie
            // (a hostile or broken peer) that would let the writer overrun the reader's memory.
            if (messages > _sentMessages - _returnedMessages || bytes > _sentBytes - _returnedBytes)
                ThrowCreditBeyondWindow(messages, bytes);
            _returnedMessages += messages;
            _returnedBytes += bytes;
        }
        ((IWriterLane)this).AddCredit(messages, bytes);
    }

    void IWriterLane.Activate(int windowMessages, long windowBytes)
    {
        lock (_lock)
        {
            _active = true;
            if (_localReader is { } early)
                SendEarlyMessages(early);
            if (_completed)
                SendCompletion();
        }
        ((IWriterLane)this).AddCredit(windowMessages, windowBytes);
    }

    void IWriterLane.BindLocal(IReaderLane reader)
    {
        var typed = (LaneReader<T>)reader;
        bool completed;
        Exception? error;
        lock (_lock)
        {
            _localReader = typed;
            _active = true;
            completed = _completed;
            error = _completionError;
        }
        if (completed)
            typed.CompleteRemote(error is null ? null : ToRemote(error));
        // In process the window counts messages only: nothing is serialized, so there are no bytes to bound.
        ((IWriterLane)this).AddCredit(typed.WindowMessages, long.MaxValue / 2);
    }

    public void FailLink(Exception error)
    {
        Waiter? waiters;
        lock (_lock)
        {
            if (_failure is not null)
                return;
            Volatile.Write(ref _failure, error);
            waiters = _waiters.DetachAll();
        }
        if (error is ChannelClosedException)
            WaiterList.Wake(waiters, false, null);
        else
            WaiterList.Wake(waiters, false, error);
    }

    // The opener of a pipe writes into its peer end's ring before anyone knows where that end will be used. The end
    // went to a child process: what was written goes out first, in order, and counts against the remote window.
    private void SendEarlyMessages(LaneReader<T> early)
    {
        _localReader = null;
        // What the peer end's window allowed here is gone; the remote window, granted next, pays for these.
        _grantedMessages = _usedMessages;
        _grantedBytes = _usedBytes;
        while (early.TryTakeEarly(out T? item))
            CountSentLocked(Append(item));
    }

    private void SendCompletion()
    {
        if (_completionSent)
            return;
        _completionSent = true;
        _link.AppendCompletion(_lane, _completionError);
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowCreditBeyondWindow(int messages, long bytes)
        => throw new ProtocolException($"The reader of {_link.DescribeLane(_lane)} returned credit for {messages} messages and {bytes} bytes; only {_sentMessages - _returnedMessages} messages and {_sentBytes - _returnedBytes} bytes were sent and not returned, so the credit goes beyond the announced window.") { ErrorType = Diagnostics.ProtocolErrorTypes.BadCredit };

    private Exception ClosedException()
    {
        lock (_lock)
        {
            if (_failure is not null)
                return _failure;
        }
        return new ChannelClosedException($"The writer of {_link.DescribeLane(_lane)} is completed; cannot write.");
    }

    /// <summary>The exception a remote reader sees for <paramref name="error"/>, made the same way in process as across processes.</summary>
    internal static RemoteException ToRemote(Exception error)
        => error as RemoteException ?? new RemoteException(error.GetType().FullName ?? error.GetType().Name, error.Message, error.StackTrace);
}
