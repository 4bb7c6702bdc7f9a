using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using Channels.SharedMemory;
using Channels.Wire;

namespace Channels.Transports.SharedMemory;

/// <summary>
/// A link between two processes of one machine through shared memory: one single-producer single-consumer ring per
/// direction in one anonymous segment that only the two ends hold. The authenticated Unix socket stays open for
/// liveness only: when the other process exits or is killed, the kernel closes it, and this end stops waiting.
/// </summary>
/// <remarks>
/// Sending copies the link's coalesced frames into the outbound ring as records and wakes the other end only if it
/// sleeps (one flag check per send). A dedicated receive thread reads records in place and hands every frame that
/// lies whole in one record to the link straight out of the ring; bytes of a frame spread over several records
/// (a frame larger than a record, or a send cut short by a full ring) are assembled in a pooled buffer and delivered
/// once whole. A producer killed mid-send leaves only whole records behind, and a frame is delivered only when all
/// its bytes are, so the reader never decodes part of a message. An orderly close writes an End record before the
/// socket closes; a socket that closes without one means a lost peer, and the unfinished frame is dropped.
/// A reader of the link that waits for messages polls the ring itself for a while (<see cref="IInlineReceiver"/>):
/// whoever holds the consumer side (the receive thread or one polling reader) reads and delivers, and while a reader
/// polls, the receive thread stays parked and the other process makes no wake-up call.
/// </remarks>
[DebuggerDisplay("shared-memory transport, stopped {_stop != 0}")]
internal sealed class SharedMemoryTransport : ILinkTransport, IInlineReceiver, IValueTaskSource
{
    /// <summary>
    /// Data bytes of each direction's ring: more than a lane's default byte window (1 MiB) with its frame and record
    /// headers, so that one busy lane is held back by credit, and its writer sends every message straight into the
    /// ring, instead of filling the ring and leaving the rest of its sends to the send thread (64 KiB arrays cost the
    /// sender 15.0 µs each with a 1 MiB ring and 10.8 µs with this one, 4 × 7 rounds alternating).
    /// </summary>
    public const int RingCapacity = 1 << 21;

    // How long the receive thread leaves arriving frames to a reader that is working through its messages.
    private const int LeaveToReaderMs = 1;

    /// <summary>
    /// Spin rounds of the receive thread before it parks: short on a machine of two cores or fewer, where its spinning
    /// takes the core that the threads it would deliver to need.
    /// </summary>
    private static readonly int ReceiveSpinRounds = Environment.ProcessorCount > 2 ? RingWait.DefaultSpinRounds : 8;

    /// <summary>The smallest piece worth waiting for when the ring is full: waiting for less would wake per record.</summary>
    private const int RoomWorthWaitingFor = 16 * 1024;

    /// <summary>What the descriptor handed over is, in error messages.</summary>
    private const string SegmentDescription = "the shared memory of a link";

    private readonly Socket _socket;
    private readonly SharedSegment _segment;
    private readonly RingProducer _producer;
    private readonly RingConsumer _consumer;
    private readonly MappedMemory _inbound;
    private readonly SharedMemoryWait _wait;
    private readonly byte[] _watchBuffer = new byte[1];
    private readonly SemaphoreSlim _sendRequest = new(0);
    private ManualResetValueTaskSourceCore<bool> _sendDone = new() { RunContinuationsAsynchronously = true };
    private ReadOnlyMemory<byte> _sendBytes;
    private Thread? _sender;
    private Exception? _endError;
    private int _stop;
    private int _closed;
    private int _ended;
    private int _consuming;
    private IFrameReceiver? _receiver;
    private FrameAssembler? _assembler;
    private int _maxFrameSize;
    private int _laneCount;
    private Exception? _endRecordError;
    private volatile Exception? _pollError;
    private volatile bool _endRecordSeen;

    private unsafe SharedMemoryTransport(Socket socket, SharedSegment segment, int outboundOffset, int inboundOffset, SharedMemoryWait wait)
    {
        _socket = socket;
        _segment = segment;
        _wait = wait;
        _producer = new RingProducer(segment.Pointer + outboundOffset, RingCapacity);
        _consumer = new RingConsumer(segment.Pointer + inboundOffset, RingCapacity);
        _inbound = new MappedMemory(_consumer.Data, RingCapacity);
    }

    public string Description => "shared-memory";

    public bool ReadersDecode => true;

    /// <summary>Whether this platform can carry links in shared memory (Linux on x64 or arm64: memfd, futex).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux()
        && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture is System.Runtime.InteropServices.Architecture.X64 or System.Runtime.InteropServices.Architecture.Arm64;

    /// <summary>Bytes of the segment that holds both rings.</summary>
    public static int SegmentSize => 2 * RingLayout.RegionSize(RingCapacity);

    /// <summary>
    /// The opener's side: creates the segment with both rings, hands it to the peer over <paramref name="socket"/>
    /// and takes ownership of the socket.
    /// </summary>
    public static unsafe SharedMemoryTransport Create(Socket socket, SharedMemoryWait wait)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle memory = SharedMemoryNative.CreateMemoryFile("channels-link", SegmentSize);
        SharedSegment segment;
        try
        {
            segment = SharedSegment.Adopt(memory, "memfd:channels-link", SegmentSize);
        }
        catch
        {
            memory.Dispose();
            throw;
        }
        try
        {
            int second = RingLayout.RegionSize(RingCapacity);
            RingLayout.Initialize(new Span<byte>(segment.Pointer, second), RingCapacity);
            RingLayout.Initialize(new Span<byte>(segment.Pointer + second, second), RingCapacity);
            DescriptorPassing.Send(socket.SafeHandle, memory, 1, SegmentDescription);
            return new SharedMemoryTransport(socket, segment, 0, second, wait);
        }
        catch
        {
            segment.Dispose();
            throw;
        }
    }

    /// <summary>The peer's side: receives the opener's segment over <paramref name="socket"/>, checks it, and takes ownership of the socket.</summary>
    /// <exception cref="ProtocolException">The opener sent no segment, or one that does not hold two valid rings.</exception>
    public static async ValueTask<SharedMemoryTransport> AcceptAsync(Socket socket, SharedMemoryWait wait, CancellationToken cancellationToken)
    {
        (Microsoft.Win32.SafeHandles.SafeFileHandle descriptor, _) = await DescriptorPassing.ReceiveAsync(socket, SegmentDescription, cancellationToken).ConfigureAwait(false);
        SharedSegment segment;
        try
        {
            segment = SharedSegment.Adopt(descriptor, "memfd:channels-link", SegmentSize);
        }
        catch (IOException ex)
        {
            descriptor.Dispose();
            throw new ProtocolException($"The shared memory the other end handed over is unusable: {ex.Message}", ex);
        }
        try
        {
            return Adopted(socket, segment, wait);
        }
        catch
        {
            segment.Dispose();
            throw;
        }
    }

    private static unsafe SharedMemoryTransport Adopted(Socket socket, SharedSegment segment, SharedMemoryWait wait)
    {
        int second = RingLayout.RegionSize(RingCapacity);
        if (RingLayout.ReadCapacity(new ReadOnlySpan<byte>(segment.Pointer, second)) != RingCapacity
            || RingLayout.ReadCapacity(new ReadOnlySpan<byte>(segment.Pointer + second, second)) != RingCapacity)
            throw new ProtocolException($"The shared memory the other end handed over does not hold two rings of {RingCapacity} bytes.");
        return new SharedMemoryTransport(socket, segment, second, 0, wait);
    }

    /// <summary>A polling reader looks this long before it parks: a round trip of two busy processes, with room.</summary>
    public long PollTicks => _wait == SharedMemoryWait.BusySpin ? Stopwatch.Frequency / 500 : Stopwatch.Frequency / 20_000;

    public bool BusySpin => _wait == SharedMemoryWait.BusySpin;

    public bool PollIsSystemCall => false;

    /// <summary>The mapped segment (for tests that check it is let go).</summary>
    internal SharedSegment Segment => _segment;

    public void Start(IFrameReceiver receiver, int maxFrameSize, int laneCount)
    {
        _receiver = receiver;
        _maxFrameSize = maxFrameSize;
        _laneCount = laneCount;
        _assembler = new FrameAssembler(receiver, maxFrameSize, laneCount);
        var thread = new Thread(ReceiveLoop)
        {
            IsBackground = true,
            Name = "Channels shared-memory receive",
        };
        thread.Start();
        _ = WatchSocketAsync();
    }

    public int TrySend(ReadOnlySpan<byte> frames)
    {
        if (Volatile.Read(ref _stop) != 0 || !_segment.TryAcquire())
            return 0;
        int taken = 0;
        try
        {
            while (taken < frames.Length)
            {
                int count = Math.Min(frames.Length - taken, _producer.MaxPayload);
                if (!_producer.TryClaim(count, out Span<byte> payload))
                {
                    count = _producer.ClaimableNow(count);
                    if (count <= 0 || !_producer.TryClaim(count, out payload))
                        break;
                }
                frames.Slice(taken, count).CopyTo(payload);
                _producer.Commit(RecordType.Data, count);
                taken += count;
            }
            if (taken > 0 && _producer.ConsumerNeedsWake())
                RingWait.Wake(ref _producer.ReaderParked);
        }
        finally
        {
            _segment.Release();
        }
        return taken;
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> frames)
    {
        if (frames.IsEmpty)
            return ValueTask.CompletedTask;
        if (Volatile.Read(ref _stop) != 0)
            return ValueTask.FromException(Lost());
        _sendDone.Reset();
        _sendBytes = frames;
        if (_sender is null)
        {
            _sender = new Thread(SendLoop) { IsBackground = true, Name = "Channels shared-memory send" };
            _sender.Start();
        }
        _sendRequest.Release();
        return new ValueTask(this, _sendDone.Version);
    }

    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        // Tell the other end that this is an orderly close (if there is room for the marker), then stop and
        // close the socket, which the other end sees at once.
        if (Volatile.Read(ref _stop) == 0 && _segment.TryAcquire())
        {
            try
            {
                if (_producer.TryClaim(0, out _))
                {
                    _producer.Commit(RecordType.End, 0);
                    if (_producer.ConsumerNeedsWake())
                        RingWait.Wake(ref _producer.ReaderParked);
                }
            }
            catch (ProtocolException)
            {
                // A corrupt ring: the socket's end tells the other side instead.
            }
            finally
            {
                _segment.Release();
            }
        }
        Stop(null);
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed by the other side.
        }
        _socket.Dispose();
        // Drops this transport's own hold on the segment: a transport closed before it started (its link was
        // disposed or failed first) has no receive thread to do it, and its memory file would stay open until a
        // finalizer ran. Threads still using the mapping hold it until they are done; the last one unmaps.
        _segment.Dispose();
    }

    // Ends every wait of this process on the rings; the first reason wins.
    private void Stop(Exception? error)
    {
        if (Interlocked.CompareExchange(ref _stop, 1, 0) != 0)
            return;
        _endError = error;
        if (_segment.TryAcquire())
        {
            RingWait.Interrupt(ref _consumer.ReaderParked);
            RingWait.Interrupt(ref _producer.WriterParked);
            _segment.Release();
        }
        _sendRequest.Release();
    }

    private async Task WatchSocketAsync()
    {
        Exception? error = null;
        try
        {
            int received = await _socket.ReceiveAsync(_watchBuffer.AsMemory(), SocketFlags.None).ConfigureAwait(false);
            if (received > 0)
                error = new ProtocolException("The other end of a shared-memory link sent bytes over its liveness socket, which carries none.");
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            error = Volatile.Read(ref _closed) != 0 ? null : ex;
        }
        Stop(error);
    }

    public bool BeginPolling()
    {
        if (Volatile.Read(ref _stop) != 0 || !_segment.TryAcquire())
            return false;
        _consumer.BeginPolling();
        return true;
    }

    public bool Poll()
    {
        if (!_consumer.HasRecord() || Volatile.Read(ref _stop) != 0 || Interlocked.CompareExchange(ref _consuming, 1, 0) != 0)
            return false;
        try
        {
            return Drain();
        }
        catch (Exception ex)
        {
            // The receive thread reports it: it wakes, finds the transport stopped and ends with this error.
            _pollError = ex;
            Stop(ex);
            return false;
        }
        finally
        {
            Volatile.Write(ref _consuming, 0);
        }
    }

    // The ring's producer does not wake the receive thread while a reader polls, and its hand-back costs nothing
    // when no record waits, so every session hands back at once.
    public void EndPolling(bool parking)
    {
        if (_consumer.EndPolling())
            RingWait.Wake(ref _consumer.ReaderParked);
        _segment.Release();
    }

    // Reads and delivers every committed record; the caller holds the consumer side. An End record stops the
    // transport (the receive thread then reports the end). True when anything was read.
    private bool Drain()
    {
        if (_endRecordSeen)
            return false;
        bool any = false;
        while (_consumer.TryRead(out RecordType type, out int offset, out int length))
        {
            any = true;
            if (type == RecordType.End)
            {
                _endRecordError = _assembler!.EndOfStreamError(Description);
                _endRecordSeen = true;
                break;
            }
            Deliver(_receiver!, _assembler!, offset, length, _maxFrameSize, _laneCount);
        }
        if (any && _consumer.Release())
            RingWait.Wake(ref _consumer.WriterParked);
        if (_endRecordSeen)
            Stop(_endRecordError);
        return any;
    }

    private void ReceiveLoop()
    {
        bool acquired = _segment.TryAcquire();
        Exception? end = null;
        long readerProgress = -1;
        try
        {
            while (acquired)
            {
                if (Interlocked.CompareExchange(ref _consuming, 1, 0) != 0)
                {
                    // A polling reader is delivering; it is done within microseconds.
                    Thread.Yield();
                    continue;
                }
                if (_pollError is { } pollError)
                {
                    Volatile.Write(ref _consuming, 0);
                    end = pollError;
                    break;
                }
                try
                {
                    Drain();
                }
                finally
                {
                    Volatile.Write(ref _consuming, 0);
                }
                if (_endRecordSeen)
                {
                    end = _endRecordError;
                    break;
                }
                if (Volatile.Read(ref _stop) != 0)
                {
                    // Everything the other end committed before its socket closed is in the ring: drain it first.
                    if (_consumer.HasRecord())
                        continue;
                    end = _endError;
                    break;
                }
                // A reader that works through delivered messages polls the ring itself when it is done; delivering
                // beside it would put a third busy thread on two cores. Left to it as long as it makes progress.
                long progress = _receiver!.ReaderProgress;
                if (progress >= 0 && progress != readerProgress)
                {
                    readerProgress = progress;
                    RingWait.LeaveToReader(_consumer, ref _stop, LeaveToReaderMs);
                    continue;
                }
                readerProgress = -1;
                // The receive thread never busy-spins: a reader that waits polls the ring itself (BusySpin makes that
                // poll spin hard), and a second spinning thread per process would starve the others on two cores.
                RingWait.ForRecord(_consumer, SharedMemoryWait.SpinThenPark, ref _stop, ReceiveSpinRounds);
            }
        }
        catch (Exception ex)
        {
            end = ex;
        }
        finally
        {
            if (acquired)
                _segment.Release();
        }
        // Wait for a polling reader to leave the consumer side, so that nothing is delivered after the end.
        SpinWait leaving = default;
        while (Interlocked.CompareExchange(ref _consuming, 1, 0) != 0)
            leaving.SpinOnce();
        _assembler!.Dispose();
        Stop(end);
        if (Interlocked.Exchange(ref _ended, 1) == 0)
            _receiver!.OnEnd(end);
        _sender?.Join();
        _segment.Dispose();
    }

    // Hands whole frames of one record to the link in place; bytes of an unfinished frame go through the assembler.
    private unsafe void Deliver(IFrameReceiver receiver, FrameAssembler assembler, int offset, int length, int maxFrameSize, int laneCount)
    {
        if (assembler.PartialBytes > 0)
        {
            assembler.Append(new ReadOnlySpan<byte>(_consumer.Data + offset, length));
            return;
        }
        int end = offset + length;
        while (offset < end)
        {
            var bytes = new ReadOnlySpan<byte>(_consumer.Data + offset, end - offset);
            if (!FrameParser.TryReadHeader(bytes, maxFrameSize, laneCount, out FrameHeader header) || header.FrameSize > bytes.Length)
            {
                assembler.Append(bytes);
                return;
            }
            receiver.OnFrame(header, _inbound.Memory.Slice(offset + FrameLayout.HeaderSize, header.PayloadLength));
            offset += header.FrameSize;
        }
    }

    private void SendLoop()
    {
        while (true)
        {
            _sendRequest.Wait();
            if (_sendBytes.IsEmpty)
                return;
            ReadOnlyMemory<byte> bytes = _sendBytes;
            _sendBytes = default;
            Exception? error = null;
            if (!_segment.TryAcquire())
            {
                _sendDone.SetException(Lost());
                return;
            }
            try
            {
                while (!bytes.IsEmpty)
                {
                    int taken = TrySend(bytes.Span);
                    bytes = bytes.Slice(taken);
                    if (bytes.IsEmpty)
                        break;
                    if (taken == 0 && !RingWait.ForRoom(_producer, Math.Min(bytes.Length, Math.Min(RoomWorthWaitingFor, _producer.MaxPayload)), _wait, ref _stop))
                    {
                        error = Lost();
                        break;
                    }
                }
            }
            catch (Exception ex)
            {
                error = ex;
            }
            finally
            {
                _segment.Release();
            }
            if (error is null)
                _sendDone.SetResult(true);
            else
                _sendDone.SetException(error);
            if (Volatile.Read(ref _stop) != 0 && error is not null)
                return;
        }
    }

    private IOException Lost()
        => new($"The shared-memory link is closed{(_endError is null ? "" : ": " + _endError.Message)}.", _endError);

    void IValueTaskSource.GetResult(short token) => _sendDone.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _sendDone.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _sendDone.OnCompleted(continuation, state, token, flags);
}
