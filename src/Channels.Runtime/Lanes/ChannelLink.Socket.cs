using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Channels.Contracts;
using Channels.Lanes;
using Channels.Wire;

namespace Channels;

// The Unix-socket transport of a link. Writers encode frames into one pooled buffer under _sendLock; one send loop
// swaps it for an empty one and writes everything pending with one send() while writers keep filling the other.
// The send loop sleeps on a Signal only when nothing is pending, and the writer that appends the next frame wakes it,
// so an idle link flushes a single message at once and a busy link puts many messages into each system call.
// One receive loop reads large chunks and dispatches every complete frame in them.
public sealed partial class ChannelLink
{
    private const int ReceiveBufferSize = 256 * 1024;
    private const int BatchTargetSize = 64 * 1024;
    private const int MinimumReceive = 16 * 1024;

    private readonly Lock _sendLock = new();

    /// <summary>The lock of the pending frames, which the link's writers also use for their credit, so a write takes one lock.</summary>
    internal Lock SendLock => _sendLock;
    private readonly Signal _signal = new();
    private Socket? _socket;
    private HandshakeHello? _remote;
    private OutputBuffer? _pending;
    private OutputBuffer? _spare;
    private bool _sendIdle;
    private bool _sendShutdown;
    private bool _sendClosed;
    private int _openBatchLane = -1;
    private int _openBatchStart;
    private int _batchLimit;
    private Task? _sendLoop;
    private Task? _receiveLoop;
    private Timer? _pingTimer;
    private long _lastReceive;
    private long _lastSend;
    private volatile bool _remoteClosed;

    /// <summary>Gives the link its connected, authenticated socket; <see cref="Start"/> begins using it once the endpoint created its lanes.</summary>
    internal void AttachSocket(Socket socket, HandshakeHello remote)
    {
        _socket = socket;
        _remote = remote;
        _batchLimit = Math.Min(BatchTargetSize, remote.MaxFrameSize);
        _pending = new OutputBuffer();
        _spare = new OutputBuffer();
    }

    /// <summary>Starts the send and receive loops and opens every writer to the remote reader's window.</summary>
    internal void Start()
    {
        Socket socket = _socket ?? throw new InvalidOperationException($"Link of contract '{Contract.Name}' has no socket to start on.");
        HandshakeHello remote = _remote!;
        lock (_stateLock)
        {
            if (_disposed || _failure is not null)
            {
                socket.Dispose();
                return;
            }
            _mode = LinkMode.Socket;
        }
        _lastReceive = _lastSend = Environment.TickCount64;
        _sendLoop = SendLoopAsync(socket);
        _receiveLoop = ReceiveLoopAsync(socket);
        TimeSpan period = PingPeriod(_options.PeerTimeout);
        _pingTimer = new Timer(static state => ((ChannelLink)state!).OnPingTimer(), this, period, period);
        foreach (ILane? lane in _lanes)
            (lane as IWriterLane)?.Activate(remote.WindowMessages, remote.WindowBytes);
    }

    /// <summary>Appends one message to the pending frames (continuing this lane's open Batch frame where possible) and returns its encoded size.</summary>
    internal int AppendMessage<T>(int lane, ILaneCodec<T> codec, in T item)
    {
        bool wake;
        int size;
        lock (_sendLock)
        {
            if (_sendClosed)
                return 0;
            OutputBuffer buffer = _pending!;
            int mark = buffer.Written;
            bool continues = _openBatchLane == lane && mark - _openBatchStart < _batchLimit;
            size = EncodeEntry(buffer, lane, codec, item, continues, mark);
            if (size < 0)
                size = EncodeEntry(buffer, lane, codec, item, continues: false, mark);
            if (size < 0)
            {
                int max = _remote!.MaxFrameSize;
                ThrowTooLarge(lane, max);
            }
            wake = _sendIdle;
            _sendIdle = false;
        }
        if (wake)
            _signal.Set();
        return size;
    }

    // Returns the entry's size, or -1 when the frame would exceed the remote maximum (the buffer is then unchanged).
    private int EncodeEntry<T>(OutputBuffer buffer, int lane, ILaneCodec<T> codec, in T item, bool continues, int mark)
    {
        if (!continues)
        {
            buffer.GetSpan(FrameLayout.HeaderSize);
            buffer.Advance(FrameLayout.HeaderSize);
        }
        int entryStart = buffer.Written;
        buffer.GetSpan(FrameLayout.BatchEntryPrefixSize);
        buffer.Advance(FrameLayout.BatchEntryPrefixSize);
        try
        {
            codec.Encode(buffer, in item);
        }
        catch
        {
            buffer.Truncate(mark);
            throw;
        }
        int frameStart = continues ? _openBatchStart : mark;
        int length = buffer.Written - frameStart - FrameLayout.LengthFieldSize;
        if (length > _remote!.MaxFrameSize)
        {
            buffer.Truncate(mark);
            if (!continues)
                _openBatchLane = -1;
            return -1;
        }
        int size = buffer.Written - entryStart - FrameLayout.BatchEntryPrefixSize;
        Span<byte> written = buffer.WrittenSpan;
        BinaryPrimitives.WriteUInt32LittleEndian(written.Slice(entryStart), (uint)size);
        FrameLayout.WriteHeader(written.Slice(frameStart), length - FrameLayout.LengthOverhead, (ushort)lane, FrameKind.Batch);
        _openBatchLane = lane;
        _openBatchStart = frameStart;
        return size;
    }

    /// <summary>Appends the Complete or Fault frame of a lane this side writes.</summary>
    internal void AppendCompletion(int lane, Exception? error)
    {
        if (error is null)
        {
            AppendControl((ushort)lane, FrameKind.Complete, default);
            return;
        }
        byte[] payload = FaultPayload.Encode(error);
        if (payload.Length + FrameLayout.LengthOverhead > _remote!.MaxFrameSize)
            payload = FaultPayload.Encode(new RemoteException(error.GetType().FullName ?? "", "(message too long for the peer's maximum frame size)"));
        AppendControl((ushort)lane, payload.Length + FrameLayout.LengthOverhead > _remote.MaxFrameSize ? FrameKind.Complete : FrameKind.Fault,
            payload.Length + FrameLayout.LengthOverhead > _remote.MaxFrameSize ? default : payload);
    }

    /// <summary>Returns consumed window of a lane this side reads.</summary>
    internal void AppendCredit(int lane, int messages, long bytes)
    {
        Span<byte> payload = stackalloc byte[FrameLayout.CreditPayloadSize];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)messages);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.Slice(4), (uint)Math.Min(bytes, int.MaxValue));
        AppendControl((ushort)lane, FrameKind.Credit, payload);
    }

    private void AppendControl(ushort lane, FrameKind kind, ReadOnlySpan<byte> payload)
    {
        bool wake;
        lock (_sendLock)
        {
            if (_sendClosed || _pending is null)
                return;
            _openBatchLane = -1;
            Span<byte> span = _pending.GetSpan(FrameLayout.HeaderSize + payload.Length);
            FrameLayout.WriteHeader(span, payload.Length, lane, kind);
            payload.CopyTo(span.Slice(FrameLayout.HeaderSize));
            _pending.Advance(FrameLayout.HeaderSize + payload.Length);
            wake = _sendIdle;
            _sendIdle = false;
        }
        if (wake)
            _signal.Set();
    }

    private async Task SendLoopAsync(Socket socket)
    {
        try
        {
            while (true)
            {
                OutputBuffer? batch = null;
                lock (_sendLock)
                {
                    if (_pending!.Written > 0)
                    {
                        batch = _pending;
                        _pending = _spare;
                        _spare = batch;
                        _openBatchLane = -1;
                    }
                    else if (_sendShutdown)
                    {
                        break;
                    }
                    else
                    {
                        _signal.Arm();
                        _sendIdle = true;
                    }
                }
                if (batch is null)
                {
                    await _signal.WaitAsync().ConfigureAwait(false);
                    continue;
                }
                ReadOnlyMemory<byte> bytes = batch.WrittenMemory;
                while (bytes.Length > 0)
                {
                    int sent = await socket.SendAsync(bytes, SocketFlags.None).ConfigureAwait(false);
                    bytes = bytes.Slice(sent);
                }
                Volatile.Write(ref _lastSend, Environment.TickCount64);
                batch.Reset();
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            if (_failure is null)
                Fail(await PeerLostAsync("sending failed: " + ex.Message, ex).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            // Never leave a faulted loop task behind: whatever went wrong ends the link, visibly, on every lane.
            Fail(new ProtocolException($"Link of contract '{Contract.Name}' failed while sending: {ex.Message}", ex));
        }
        finally
        {
            lock (_sendLock)
            {
                _sendClosed = true;
                _pending?.Dispose();
                _spare?.Dispose();
            }
        }
    }

    private async Task ReceiveLoopAsync(Socket socket)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
        int start = 0;
        int end = 0;
        try
        {
            while (true)
            {
                if (buffer.Length - end < MinimumReceive)
                {
                    // Make room for the rest of a frame: grow for a frame larger than the buffer (its length is
                    // checked already), else move the partial frame to the front.
                    int needed = NeededForFrame(buffer.AsSpan(start, end - start));
                    if (needed > buffer.Length)
                    {
                        byte[] bigger = ArrayPool<byte>.Shared.Rent(needed);
                        buffer.AsSpan(start, end - start).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                        end -= start;
                        start = 0;
                    }
                    else if (start > 0)
                    {
                        buffer.AsSpan(start, end - start).CopyTo(buffer);
                        end -= start;
                        start = 0;
                    }
                }
                int received = await socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None).ConfigureAwait(false);
                if (received == 0)
                {
                    if (end > start)
                        ThrowProtocol($"The connection of link '{Contract.Name}' ended inside a frame ({end - start} bytes of an incomplete frame received).");
                    await OnEndOfStreamAsync(null).ConfigureAwait(false);
                    return;
                }
                end += received;
                Volatile.Write(ref _lastReceive, Environment.TickCount64);
                start = ProcessFrames(buffer, start, end);
                if (start == end)
                    start = end = 0;
            }
        }
        catch (ProtocolException ex)
        {
            Fail(ex);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            if (_failure is null)
                await OnEndOfStreamAsync(ex).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Fail(new ProtocolException($"Link of contract '{Contract.Name}' failed while receiving: {ex.Message}", ex));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private int NeededForFrame(ReadOnlySpan<byte> partial)
    {
        if (FrameParser.TryReadHeader(partial, _options.MaxFrameSize, _lanes.Length, out FrameHeader header))
            return header.FrameSize;
        return FrameLayout.HeaderSize;
    }

    private int ProcessFrames(byte[] buffer, int start, int end)
    {
        int maxFrame = _options.MaxFrameSize;
        int laneCount = _lanes.Length;
        while (FrameParser.TryReadHeader(buffer.AsSpan(start, end - start), maxFrame, laneCount, out FrameHeader header)
               && end - start >= header.FrameSize)
        {
            Dispatch(header, buffer.AsMemory(start + FrameLayout.HeaderSize, header.PayloadLength));
            start += header.FrameSize;
        }
        return start;
    }

    private void Dispatch(FrameHeader header, ReadOnlyMemory<byte> payload)
    {
        switch (header.Kind)
        {
            case FrameKind.Data:
            case FrameKind.Batch:
                ReaderOf(header).Deliver(payload, header.Kind == FrameKind.Batch);
                break;
            case FrameKind.Credit:
                if (_lanes[header.Lane] is not IWriterLane writer)
                {
                    ThrowProtocol($"Credit frame for {DescribeLane(header.Lane)}, which this side does not write.");
                    return;
                }
                (int messages, int bytes) = FrameParser.ReadCredit(payload.Span);
                writer.AddCredit(messages, bytes);
                break;
            case FrameKind.Complete:
                ReaderOf(header).CompleteRemote(null);
                break;
            case FrameKind.Fault:
                ReaderOf(header).CompleteRemote(FaultPayload.Decode(payload.Span));
                break;
            case FrameKind.Close:
                _remoteClosed = true;
                break;
            case FrameKind.Ping:
                break;
        }
    }

    private IReaderLane ReaderOf(FrameHeader header)
    {
        if (_lanes[header.Lane] is IReaderLane reader)
            return reader;
        ThrowProtocol(Writes(header.Lane)
            ? $"{header.Kind} frame for {DescribeLane(header.Lane)}, which this side writes."
            : $"{header.Kind} frame for {DescribeLane(header.Lane)}, which has no reader on this side.");
        return null;
    }

    private async ValueTask OnEndOfStreamAsync(Exception? error)
    {
        if (_remoteClosed)
            Fail(new ChannelClosedException($"The other end of the link of contract '{Contract.Name}' closed it."));
        else
            Fail(await PeerLostAsync(error is null ? "the connection closed without a goodbye (the process exited, crashed or was killed)" : "the connection failed: " + error.Message, error).ConfigureAwait(false));
    }

    private async ValueTask<PeerLostException> PeerLostAsync(string reason, Exception? inner)
    {
        System.Diagnostics.Process? process = _peerProcess;
        int? exitCode = null;
        if (process is not null)
        {
            try
            {
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
                exitCode = process.ExitCode;
            }
            catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Still running or not ours to watch: the exit code stays unknown.
            }
        }
        string message = $"The peer of the link of contract '{Contract.Name}' ({_role} end) was lost: {reason}."
                         + (exitCode is null ? "" : $" The peer process (pid {process!.Id}) exited with code {exitCode}.");
        return new PeerLostException(message, exitCode, inner);
    }

    private void OnPingTimer()
    {
        if (_failure is not null)
            return;
        long now = Environment.TickCount64;
        if (now - Volatile.Read(ref _lastReceive) > (long)_options.PeerTimeout.TotalMilliseconds)
        {
            _ = FailSilentPeerAsync();
            return;
        }
        // Half a period, so that timer jitter never stretches the gap between pings to two periods.
        if (now - Volatile.Read(ref _lastSend) >= (long)PingPeriod(_options.PeerTimeout).TotalMilliseconds / 2)
            AppendControl(FrameLayout.LinkLane, FrameKind.Ping, default);
    }

    private async Task FailSilentPeerAsync()
    {
        try
        {
            Fail(await PeerLostAsync($"it sent nothing for longer than {_options.PeerTimeout.TotalSeconds:0.###} s (ChannelOptions.PeerTimeout)", null).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    private static TimeSpan PingPeriod(TimeSpan peerTimeout)
    {
        long ms = Math.Clamp((long)peerTimeout.TotalMilliseconds / 5, 10, 2000);
        return TimeSpan.FromMilliseconds(ms);
    }

    private async ValueTask CloseSocketAsync(Exception closed)
    {
        bool wake;
        AppendControl(FrameLayout.LinkLane, FrameKind.Close, default);
        lock (_sendLock)
        {
            _sendShutdown = true;
            wake = _sendIdle;
            _sendIdle = false;
        }
        if (wake)
            _signal.Set();
        if (_sendLoop is { } sendLoop)
        {
            // A peer that does not read could keep the last frames from going out; do not wait for it forever.
            await Task.WhenAny(sendLoop, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        }
        Fail(closed);
        if (_receiveLoop is { } receiveLoop)
            await receiveLoop.ConfigureAwait(false);
        if (_sendLoop is { } loop)
            await loop.ConfigureAwait(false);
    }

    private void ShutdownSocket()
    {
        _pingTimer?.Dispose();
        Socket? socket = _socket;
        if (socket is null)
            return;
        bool wake;
        lock (_sendLock)
        {
            _sendShutdown = true;
            wake = _sendIdle;
            _sendIdle = false;
        }
        if (wake)
            _signal.Set();
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed by the other side.
        }
        socket.Dispose();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowTooLarge(int lane, int max)
        => throw new ArgumentException($"A message for {DescribeLane(lane)} does not fit in one frame of the other side's maximum size ({max} bytes, its ChannelOptions.MaxFrameSize).");
}
