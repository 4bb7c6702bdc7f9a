using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Channels.Lanes;
using Channels.Transports;

namespace Channels.Wire;

/// <summary>
/// The one send path of a link, whatever its transport. Writers encode frames into one pooled buffer under the
/// link's send lock (a message continues its lane's open Batch frame where it can). Who passes that buffer to the
/// transport depends on what the link is doing; a send loop covers whatever the writers leave, and sleeps on a
/// <see cref="Signal"/> only when nothing is pending.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>A writer that appends to an idle link (the loop asleep, and the link quiet: the other side sent something
/// since the last send, or nothing was sent for <see cref="QuietTicks"/>) passes the frame to the transport itself,
/// still under the send lock, with the transport's non-blocking <see cref="ILinkTransport.TrySend"/>: no thread hop
/// on the way out, which is what a request/response exchange waits for.</item>
/// <item>A writer that streams (appends while the last send is recent) fills the buffer up to
/// <see cref="InlineFlushBytes"/> and then sends it itself, the same way. The loop stays off the send lock meanwhile:
/// a loop that took the lock to swap out a few messages at a time kept its cache line moving between two cores on
/// every write, which cost the writer more than the send.</item>
/// <item>The loop, woken by the first append after a send, watches the buffer without the lock and sends the tail
/// once the writers stop adding to it (or after <see cref="TailTicks"/>); it also takes over whatever the transport
/// could not take without blocking, and everything once the link is closing.</item>
/// <item>A lane written by one thread appends to its <see cref="LaneStage"/> without the lock (a raw lane its
/// messages' bytes, an encoded lane what its codec wrote, up to a few KiB); whoever holds the lock to send (an inline
/// send, the loop, a control frame) first takes every stage's entries into Batch frames of the buffer. A streaming
/// owner sends its own 32 KiB as a writer under the lock does; the loop watches its stage as it watches the buffer.
/// The loop going to sleep while an owner may append sleeps at most 1 ms, then runs a
/// process-wide barrier and looks at the stages again before it sleeps for good, so that an owner either sees it
/// asleep (and wakes it, or sends) or its entry is seen (see <see cref="PrepareToSleep"/>).</item>
/// </list>
/// </remarks>
[DebuggerDisplay("Outbox: {_pending?.Written} bytes pending, idle {_idle}, shut down {_shutdown}")]
internal sealed class FrameOutbox
{
    private const int BatchTargetSize = 64 * 1024;

    /// <summary>A streaming writer sends the buffer itself once this much is pending (32 KiB).</summary>
    public const int InlineFlushBytes = 32 * 1024;

    /// <summary>
    /// How long the loop sleeps, after appends to an owned stage, before it makes sure with a barrier that it missed
    /// none (1 ms: see <see cref="PrepareToSleep"/>).
    /// </summary>
    private const int StageCheckMilliseconds = 1;

    /// <summary>The longest the loop lets a tail wait for more while writers keep appending to it (50 µs).</summary>
    private static readonly long TailTicks = Stopwatch.Frequency / 20_000;

    /// <summary>Without anything received, a link counts as quiet again this long after its last send (20 µs).</summary>
    private static readonly long QuietTicks = Stopwatch.Frequency / 50_000;

    private readonly Lock _lock;
    private readonly Signal _signal = new();
    private readonly Action<Exception> _onFailed;
    private ILinkTransport? _transport;
    private OutputBuffer? _pending;
    private OutputBuffer? _spare;
    private int _maxFrameSize;
    private int _batchLimit;
    private int _openBatchLane = -1;
    private int _openBatchStart;
    private LaneStage[] _stages = [];
    private volatile bool _idle;
    // Counts the loop's sleeps; the stage check timer wakes only the sleep it was set for.
    private long _sleeps;
    private long _timedSleep;
    private Timer? _stageCheck;
    // The last sleep was ended by the stage check timer, not by a writer.
    private bool _stageCheckWoke;
    private volatile bool _shutdown;
    private bool _closed;
    private volatile bool _closing;
    private long _lastSend;
    private long _lastSendStamp;
    private volatile bool _heardSinceSend = true;
    // The loop holds a batch it swapped out and has not finished sending: a writer's inline send would overtake it.
    private volatile bool _loopSending;
    // An inline send the transport did not take whole: the loop sends (and may wait) until everything left.
    private volatile bool _inlineStalled;

    /// <param name="sendLock">The link's send lock, which its writers also take for their credit.</param>
    /// <param name="onFailed">Called once when sending fails; the transport's exception is passed on.</param>
    public FrameOutbox(Lock sendLock, Action<Exception> onFailed)
    {
        _lock = sendLock;
        _onFailed = onFailed;
    }

    /// <summary>The send loop, once started.</summary>
    public Task? Loop { get; private set; }

    /// <summary>The largest frame the other side accepts (its announced maximum).</summary>
    public int MaxFrameSize => _maxFrameSize;

    /// <summary>The link's instruments, told once per flushed batch; set before <see cref="Start"/>.</summary>
    public Diagnostics.LinkMetrics? Metrics { get; set; }

    /// <summary>When the last send completed (<see cref="Environment.TickCount64"/>).</summary>
    public long LastSend => Volatile.Read(ref _lastSend);

    /// <summary>Whether the loop sleeps: an owner that appended to its stage must then call <see cref="OnStagedWhileIdle"/>.</summary>
    public bool IsIdle => _idle;

    /// <summary>Starts sending over <paramref name="transport"/> to a side that accepts frames up to <paramref name="maxFrameSize"/>.</summary>
    public void Start(ILinkTransport transport, int maxFrameSize)
    {
        lock (_lock)
        {
            _transport = transport;
            _maxFrameSize = maxFrameSize;
            _batchLimit = Math.Min(BatchTargetSize, maxFrameSize);
            _pending = new OutputBuffer();
            _spare = new OutputBuffer();
        }
        _lastSend = Environment.TickCount64;
        Loop = SendLoopAsync(transport);
    }

    /// <summary>
    /// Appends one message, which <paramref name="encoder"/> writes; call under the send lock. Returns its encoded
    /// size, 0 when the outbox is closed (the message is dropped: the link is ending), or -1 when it does not fit in
    /// one frame of the other side.
    /// </summary>
    /// <remarks>
    /// A message continues its lane's open Batch frame while that frame is under the batch limit; the frame's header
    /// is written once, when the frame is closed (another frame follows, or the bytes are handed to the transport),
    /// not per message.
    /// </remarks>
    /// <param name="lane">The lane.</param>
    /// <param name="encoder">The lane's writer, holding the message.</param>
    public int AppendMessage(int lane, IEntryEncoder encoder)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        if (_closed || _pending is null)
            return 0;
        OutputBuffer buffer = _pending;
        int size;
        if (_openBatchLane == lane && buffer.Written - _openBatchStart < _batchLimit)
        {
            size = AppendEntry(buffer, encoder);
            if (size < 0)
                size = AppendToNewBatch(buffer, lane, encoder);
        }
        else
        {
            size = AppendToNewBatch(buffer, lane, encoder);
        }
        if (size >= 0)
            OnAppended(buffer);
        return size;
    }

    /// <summary>
    /// Appends one unmanaged message of a lane whose codec writes raw bytes; call under the send lock. The same entry
    /// and batching as <see cref="AppendMessage"/> (whose encoder would write these bytes), without the encoder: one
    /// reservation, one copy. Returns the message's size, 0 when the outbox is closed, or -1 when it does not fit in
    /// one frame of the other side.
    /// </summary>
    public int AppendRaw<T>(int lane, in T item)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        if (_closed || _pending is null)
            return 0;
        OutputBuffer buffer = _pending;
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        int entry = FrameLayout.BatchEntryPrefixSize + size;
        if (_openBatchLane != lane || buffer.Written - _openBatchStart >= _batchLimit
            || buffer.Written + entry - _openBatchStart - FrameLayout.LengthFieldSize > _maxFrameSize)
        {
            if (FrameLayout.HeaderSize + entry - FrameLayout.LengthFieldSize > _maxFrameSize)
                return -1;
            OpenBatch(buffer, lane);
        }
        buffer.AppendRawEntry(in item);
        OnAppended(buffer);
        return size;
    }

    /// <summary>
    /// Appends a byte array of at least <see cref="FrameLayout.LargeFrameBytes"/> as a Batch frame of its own, in the
    /// bytes its lane's codec would write (MemoryPack's <c>i32</c> count, then the bytes; see
    /// <see cref="Contracts.IByteArrayLaneCodec"/>); call under the send lock. When this writer may send, the frames
    /// before it and the array go to the transport from where they are, and only what the transport does not take
    /// now is copied into the pending frames: the array is never referenced after this call. Returns the message's
    /// encoded size, 0 when the outbox is closed, or -1 when it does not fit in one frame of the other side.
    /// </summary>
    public int AppendLargeArray(int lane, byte[] array)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        if (_closed || _pending is null)
            return 0;
        long payload = (long)FrameLayout.LargeFrameHeadSize + array.Length;
        if (payload + FrameLayout.LengthOverhead > _maxFrameSize)
            return -1;
        OutputBuffer buffer = _pending;
        // The stages' entries go before the frame's head: between it and the array bytes they would be read as the array.
        GatherStagesLocked();
        CloseOpenBatch();
        Span<byte> head = buffer.GetSpan(FrameLayout.HeaderSize + FrameLayout.LargeFrameHeadSize);
        FrameLayout.WriteHeader(head, (int)payload, (ushort)lane, FrameKind.Batch);
        BinaryPrimitives.WriteUInt32LittleEndian(head.Slice(FrameLayout.HeaderSize), (uint)(sizeof(int) + array.Length));
        BinaryPrimitives.WriteInt32LittleEndian(head.Slice(FrameLayout.HeaderSize + FrameLayout.BatchEntryPrefixSize), array.Length);
        buffer.Advance(FrameLayout.HeaderSize + FrameLayout.LargeFrameHeadSize);
        if (!MaySendInlineLocked)
        {
            AppendArray(buffer, array, 0);
            OnAppended(buffer);
        }
        else if (SendArrayInlineLocked(array) is int sent && sent < array.Length)
        {
            // The transport is full: the rest is the loop's to send, as after any stalled inline send.
            AppendArray(buffer, array, sent);
            _inlineStalled = true;
            WakeLocked();
        }
        return sizeof(int) + array.Length;
    }

    private static void AppendArray(OutputBuffer buffer, byte[] array, int from)
    {
        int count = array.Length - from;
        array.AsSpan(from).CopyTo(buffer.GetSpan(count));
        buffer.Advance(count);
    }

    // Sends what is pending, then the array, while the transport takes them; returns how much of the array it took.
    private int SendArrayInlineLocked(byte[] array)
    {
        _lastSendStamp = Stopwatch.GetTimestamp();
        // An owner may have staged more since; gathered now, it would land between the head and the array.
        if (!TrySendInlineLocked(gatherStages: false))
            return 0;
        int sent;
        try
        {
            sent = _transport!.TrySend(array);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            // The loop sends the rest, meets the same failure and reports it.
            return 0;
        }
        if (sent == array.Length)
            Volatile.Write(ref _lastSend, Environment.TickCount64);
        return sent;
    }

    // A message was appended: an idle link sends it (or wakes the loop), a streaming writer sends a full buffer.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void OnAppended(OutputBuffer buffer)
    {
        if (_idle)
            SendOrWakeLocked();
        else if (buffer.Written >= InlineFlushBytes && MaySendInlineLocked)
            SendInlineLocked();
    }

    // A writer may send a full buffer itself: the loop is not sending one, did not take over a stalled send, and the
    // link is not closing (then everything goes through the loop).
    private bool MaySendInlineLocked => !_loopSending && !_inlineStalled && !_closing;

    // Closes the open Batch frame and appends a whole frame of kind with payload.
    private void AppendFrameLocked(OutputBuffer buffer, ushort lane, FrameKind kind, ReadOnlySpan<byte> payload)
    {
        CloseOpenBatch();
        Span<byte> frame = buffer.GetSpan(FrameLayout.HeaderSize + payload.Length);
        FrameLayout.WriteHeader(frame, payload.Length, lane, kind);
        payload.CopyTo(frame.Slice(FrameLayout.HeaderSize));
        buffer.Advance(FrameLayout.HeaderSize + payload.Length);
    }

    /// <summary>
    /// Gives a raw lane a stage, for messages of <paramref name="messageSize"/> bytes; call under the send lock once
    /// started. Null when one entry would not fit in a frame of the other side (its writes then fail on the locked path).
    /// </summary>
    public LaneStage? AddStage(int lane, int messageSize)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        int entry = FrameLayout.BatchEntryPrefixSize + messageSize;
        if (_pending is null || StagedRunLimit < entry)
            return null;
        var stage = new LaneStage(lane, entry);
        _stages = [.. _stages, stage];
        return stage;
    }

    /// <summary>
    /// Gives an encoded lane a stage, for its messages of up to <see cref="LaneStage.MaxEncodedMessage"/> bytes (fewer
    /// when the other side's frames are smaller); call under the send lock once started. Null before it started.
    /// </summary>
    public LaneStage? AddEncodedStage(int lane)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        if (_pending is null)
            return null;
        var stage = LaneStage.ForEncoded(lane, Math.Min(LaneStage.MaxEncodedMessage, StagedRunLimit - FrameLayout.BatchEntryPrefixSize));
        _stages = [.. _stages, stage];
        return stage;
    }

    // The most entry bytes one gathered Batch frame carries: the batch target, within the other side's maximum.
    private int StagedRunLimit => Math.Min(_batchLimit, _maxFrameSize - FrameLayout.LengthOverhead);

    /// <summary>An owner appended to its stage and found the loop asleep: sends now if the link is quiet, else wakes the loop.</summary>
    public void OnStagedWhileIdle()
    {
        lock (_lock)
            SendOrWakeLocked();
    }

    /// <summary>
    /// An owner streaming into its stage has <see cref="InlineFlushBytes"/> waiting: it sends them itself, as a writer
    /// under the lock does (its core has just written them), unless the loop is sending or the link is closing.
    /// </summary>
    public void OnStageFull()
    {
        lock (_lock)
        {
            if (!_idle && MaySendInlineLocked && _pending is not null && !_closed)
                SendInlineLocked();
        }
    }

    /// <summary>Takes <paramref name="stage"/>'s entries into Batch frames of the pending buffer; call under the send lock.</summary>
    public void Gather(LaneStage stage)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        OutputBuffer? buffer = _pending;
        int limit = StagedRunLimit;
        while (true)
        {
            ReadOnlySpan<byte> run = stage.Peek(limit);
            if (run.IsEmpty)
                return;
            // A closed outbox drops what it is given: the link is ending.
            if (!_closed && buffer is not null)
                AppendFrameLocked(buffer, (ushort)stage.Lane, FrameKind.Batch, run);
            stage.Consume(run.Length);
        }
    }

    private void GatherStagesLocked()
    {
        LaneStage[] stages = _stages;
        for (int i = 0; i < stages.Length; i++)
        {
            if (stages[i].Unsent > 0)
                Gather(stages[i]);
        }
    }

    // Bytes waiting in the stages, and everything ever appended to them (which grows while an owner appends).
    private (long Unsent, long Appended) StagedBytes()
    {
        long unsent = 0, appended = 0;
        LaneStage[] stages = _stages;
        for (int i = 0; i < stages.Length; i++)
        {
            unsent += stages[i].Unsent;
            appended += stages[i].Appended;
        }
        return (unsent, appended);
    }

    // The loop marked itself idle; an owner may have appended meanwhile without seeing the mark (its store of the
    // entry and its load of the mark can pass each other). True when the loop may wait for its signal, false when it
    // must go on. A barrier (which interrupts every core running this process) settles it; paid at every sleep it
    // would cost a short burst more than its writes, so the loop first sleeps at most StageCheckMilliseconds and
    // runs the barrier only when that sleep ends with no writer having woken it: an entry caught in that race waits
    // at most that long, and a link that stays quiet pays one barrier.
    private bool PrepareToSleep()
    {
        LaneStage[] stages = _stages;
        bool owned = false;
        for (int i = 0; i < stages.Length; i++)
            owned |= stages[i].HasOwnerThread;
        // A stage claimed after the mark was claimed under the lock, so its owner reads the mark.
        if (!owned)
            return true;
        lock (_lock)
        {
            if (!_stageCheckWoke)
            {
                if (!_idle)
                    return true;
                _timedSleep = _sleeps;
                (_stageCheck ??= new Timer(static state => ((FrameOutbox)state!).OnStageCheck(), this, Timeout.Infinite, Timeout.Infinite))
                    .Change(StageCheckMilliseconds, Timeout.Infinite);
                return true;
            }
            _stageCheckWoke = false;
        }
        Interlocked.MemoryBarrierProcessWide();
        lock (_lock)
        {
            // A writer that saw the mark woke the loop already: the wait then returns at once.
            if (!_idle)
                return true;
            // Owners that appended nothing since the loop last checked give their stage up, so that a quiet raw lane
            // costs the loop nothing when it sleeps; the thread's next write takes the stage back through the lock.
            for (int i = 0; i < stages.Length; i++)
            {
                LaneStage stage = stages[i];
                if (stage.HasOwnerThread && stage.Appended == stage.AppendedWhenLastIdle)
                    stage.Revoke(ThreadTicket.Nobody);
                stage.AppendedWhenLastIdle = stage.Appended;
            }
            if (StagedBytes().Unsent == 0)
                return true;
            _idle = false;
            return false;
        }
    }

    // The loop's timed sleep is over and no writer ended it.
    private void OnStageCheck()
    {
        lock (_lock)
        {
            if (!_idle || _timedSleep != _sleeps)
                return;
            _stageCheckWoke = true;
            _idle = false;
            _signal.Set();
        }
    }

    /// <summary>Appends a frame other than Data/Batch; takes the send lock.</summary>
    public void AppendControl(ushort lane, FrameKind kind, ReadOnlySpan<byte> payload)
    {
        lock (_lock)
        {
            if (_closed || _pending is null)
                return;
            // A lane's staged messages go before its Complete or Fault frame.
            GatherStagesLocked();
            AppendFrameLocked(_pending, lane, kind, payload);
            SendOrWakeLocked();
        }
    }

    /// <summary>
    /// The link is being closed: from here on every frame goes through the loop, so that the last frames (lane
    /// completions, then Close) leave together and the other side sees them at once, in order.
    /// </summary>
    public void BeginClosing()
    {
        lock (_lock)
            _closing = true;
    }

    /// <summary>Lets the loop send what is pending, then end.</summary>
    public void Shutdown()
    {
        lock (_lock)
        {
            _shutdown = true;
            WakeLocked();
        }
    }

    // Closes the open frame and starts a Batch frame of one entry; -1 when even that exceeds the remote maximum.
    private int AppendToNewBatch(OutputBuffer buffer, int lane, IEntryEncoder encoder)
    {
        OpenBatch(buffer, lane);
        int size = AppendEntry(buffer, encoder);
        if (size < 0)
        {
            // The entry took its frame's header with it.
            buffer.Truncate(_openBatchStart);
            _openBatchLane = -1;
        }
        return size;
    }

    // Appends one entry (length prefix, then the message) to the open Batch frame; returns its size, or -1 (buffer
    // unchanged) when the frame would then exceed the remote maximum. An encoder that throws leaves the buffer as it
    // was (and takes a frame it opened with it).
    private int AppendEntry(OutputBuffer buffer, IEntryEncoder encoder)
    {
        int entryStart = buffer.Reserve(FrameLayout.BatchEntryPrefixSize);
        try
        {
            encoder.EncodeEntry(buffer);
        }
        catch
        {
            buffer.Truncate(entryStart);
            if (entryStart == _openBatchStart + FrameLayout.HeaderSize)
            {
                buffer.Truncate(_openBatchStart);
                _openBatchLane = -1;
            }
            throw;
        }
        int end = buffer.Written;
        if (end - _openBatchStart - FrameLayout.LengthFieldSize > _maxFrameSize)
        {
            buffer.Truncate(entryStart);
            return -1;
        }
        int size = end - entryStart - FrameLayout.BatchEntryPrefixSize;
        buffer.WriteUInt32At(entryStart, (uint)size);
        return size;
    }

    // Closes the open frame and starts a Batch frame of lane; its header is written when it closes.
    private void OpenBatch(OutputBuffer buffer, int lane)
    {
        CloseOpenBatch();
        _openBatchStart = buffer.Reserve(FrameLayout.HeaderSize);
        _openBatchLane = lane;
    }

    // Writes the header of the open Batch frame, now that its extent is final.
    private void CloseOpenBatch()
    {
        if (_openBatchLane < 0)
            return;
        OutputBuffer buffer = _pending!;
        int payload = buffer.Written - _openBatchStart - FrameLayout.HeaderSize;
        FrameLayout.WriteHeader(buffer.WrittenSpan.Slice(_openBatchStart), payload, (ushort)_openBatchLane, FrameKind.Batch);
        _openBatchLane = -1;
    }

    /// <summary>The other side sent a frame: the next write after it answers, and goes out at once (see remarks).</summary>
    public void OnHeard()
    {
        if (!_heardSinceSend)
            _heardSinceSend = true;
    }

    private void SendOrWakeLocked()
    {
        if (!_idle)
            return;
        if (_closing)
        {
            WakeLocked();
            return;
        }
        long now = Stopwatch.GetTimestamp();
        if (_heardSinceSend || now - _lastSendStamp >= QuietTicks)
        {
            _heardSinceSend = false;
            _lastSendStamp = now;
            if (TrySendInlineLocked())
                return;
            _inlineStalled = true;
        }
        WakeLocked();
    }

    // A streaming writer's full buffer, while the loop watches the tail: sent on this thread; what the transport does
    // not take now goes to the loop.
    private void SendInlineLocked()
    {
        _lastSendStamp = Stopwatch.GetTimestamp();
        if (!TrySendInlineLocked())
            _inlineStalled = true;
    }

    // Passes everything pending to the transport while the loop sleeps; true when the transport took it all.
    private bool TrySendInlineLocked(bool gatherStages = true)
    {
        if (gatherStages)
            GatherStagesLocked();
        CloseOpenBatch();
        OutputBuffer pending = _pending!;
        int sent;
        try
        {
            sent = _transport!.TrySend(pending.WrittenSpan);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            // The loop sends the same bytes again, meets the same failure and reports it.
            return false;
        }
        if (sent == 0)
            return false;
        pending.Discard(sent);
        if (pending.Written > 0)
            return false;
        Volatile.Write(ref _lastSend, Environment.TickCount64);
        Metrics?.Flushed();
        return true;
    }

    private void WakeLocked()
    {
        if (!_idle)
            return;
        _idle = false;
        _signal.Set();
    }

    // Woken by the first append after a send, the loop lets writers that are still appending fill the buffer (they
    // send it themselves at InlineFlushBytes) and returns once they stop: the buffer did not grow over one yield,
    // or a writer emptied it, or the tail waited TailTicks. Reads the buffer's length without the lock (a stale
    // value only ends the wait early).
    private void WaitForTail()
    {
        long started = Stopwatch.GetTimestamp();
        long last = -1;
        while (!_inlineStalled && !_closing && !_shutdown)
        {
            int written = Volatile.Read(ref _pending)!.Written;
            (long staged, long appended) = StagedBytes();
            long progress = written + appended;
            // An owner streaming into a stage sends at InlineFlushBytes itself; the loop takes over only past twice that.
            if (written + staged == 0 || progress == last || written >= InlineFlushBytes || staged >= 2 * InlineFlushBytes)
                return;
            if (Stopwatch.GetTimestamp() - started >= TailTicks)
                return;
            last = progress;
            Thread.Yield();
        }
    }

    private async Task SendLoopAsync(ILinkTransport transport)
    {
        try
        {
            while (true)
            {
                WaitForTail();
                OutputBuffer? batch = null;
                lock (_lock)
                {
                    GatherStagesLocked();
                    if (_pending!.Written > 0)
                    {
                        CloseOpenBatch();
                        batch = _pending;
                        _pending = _spare;
                        _spare = batch;
                        _loopSending = true;
                    }
                    else if (_shutdown)
                    {
                        break;
                    }
                    else
                    {
                        _inlineStalled = false;
                        _signal.Arm();
                        _idle = true;
                        _sleeps++;
                    }
                }
                if (batch is null)
                {
                    if (PrepareToSleep())
                        await _signal.WaitAsync().ConfigureAwait(false);
                    continue;
                }
                ReadOnlyMemory<byte> bytes = batch.WrittenMemory;
                int sent = transport.TrySend(bytes.Span);
                if (sent < bytes.Length)
                    await transport.SendAsync(bytes.Slice(sent)).ConfigureAwait(false);
                Volatile.Write(ref _lastSend, Environment.TickCount64);
                Volatile.Write(ref _lastSendStamp, Stopwatch.GetTimestamp());
                Metrics?.Flushed();
                batch.Reset();
                _inlineStalled = false;
                _loopSending = false;
            }
        }
        catch (Exception ex)
        {
            // Never leave a faulted loop task behind: whatever went wrong ends the link, visibly, on every lane.
            _onFailed(ex);
        }
        finally
        {
            lock (_lock)
            {
                _closed = true;
                _stageCheck?.Dispose();
                _pending?.Dispose();
                _spare?.Dispose();
            }
        }
    }
}
