using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Channels.Contracts;
using Channels.Lanes;
using Channels.Transports;
using Channels.Wire;

namespace Channels;

// A link over a transport (Transports/): frames go out through the one send path (FrameOutbox) and come back
// through IFrameReceiver, whatever carries them.
public sealed partial class ChannelLink : IFrameReceiver
{
    private readonly Lock _sendLock = new();
    private readonly FrameOutbox _outbox;
    private readonly TaskCompletionSource _receiveEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ILinkTransport? _transport;
    private IInlineReceiver? _inlineReceiver;
    private bool _readersDecode;
    private HandshakeHello? _remote;
    private Timer? _pingTimer;
    private long _lastReceive;
    private volatile bool _remoteClosed;

    /// <summary>The lock of the pending frames, which the link's writers also use for their credit, so a write takes one lock.</summary>
    internal Lock SendLock => _sendLock;

    /// <summary>The link's one send path (a raw lane's writer appends to its stage there without the send lock).</summary>
    internal FrameOutbox Outbox => _outbox;

    /// <summary>The transport that carries the link (for tests that look at what it holds).</summary>
    internal ILinkTransport? Transport => _transport;

    /// <summary>The transport, once started, when a waiting reader may receive on its own thread (shared memory).</summary>
    internal IInlineReceiver? InlineReceiver => _inlineReceiver;

    /// <summary>Whether readers decode the small messages of received frames as they read them (see <see cref="ILinkTransport.ReadersDecode"/>).</summary>
    internal bool ReadersDecode => _readersDecode;

    /// <summary>
    /// Gives the link its connected transport and what the other side announced in the handshake; <see cref="Start"/>
    /// begins using it once the endpoint created its lanes. The link owns the transport from here on.
    /// </summary>
    internal void AttachTransport(ILinkTransport transport, HandshakeHello remote)
    {
        _transport = transport;
        _remote = remote;
    }

    /// <summary>Starts sending and receiving and opens every writer to the remote reader's window.</summary>
    internal void Start()
    {
        ILinkTransport transport = _transport ?? throw new InvalidOperationException($"Link of contract '{Contract.Name}' has no transport to start on.");
        HandshakeHello remote = _remote!;
        lock (_stateLock)
        {
            if (_disposed || _failure is not null)
            {
                transport.Close();
                return;
            }
            _mode = LinkMode.Transport;
            _metrics = Diagnostics.LinkMetrics.Open(Contract, transport, _role, _lanes);
        }
        _outbox.Metrics = _metrics;
        _lastReceive = Environment.TickCount64;
        _outbox.Start(transport, remote.MaxFrameSize);
        _readersDecode = transport.ReadersDecode;
        transport.Start(this, _options.MaxFrameSize, _lanes.Length);
        _inlineReceiver = transport as IInlineReceiver;
        TimeSpan period = PingPeriod(_options.PeerTimeout);
        _pingTimer = new Timer(static state => ((ChannelLink)state!).OnPingTimer(), this, period, period);
        foreach (ILane? lane in _lanes)
            (lane as IWriterLane)?.Activate(remote.WindowMessages, remote.WindowBytes);
    }

    /// <summary>Appends the message <paramref name="encoder"/> holds to the pending frames under the send lock and returns its encoded size.</summary>
    internal int AppendMessage(int lane, IEntryEncoder encoder) => Fitted(lane, _outbox.AppendMessage(lane, encoder));

    /// <summary>Appends a large byte array in a frame of its own (see <see cref="FrameOutbox.AppendLargeArray"/>) under the send lock and returns its encoded size.</summary>
    internal int AppendLargeArray(int lane, byte[] array) => Fitted(lane, _outbox.AppendLargeArray(lane, array));

    /// <summary>Appends one unmanaged message of a raw lane (see <see cref="FrameOutbox.AppendRaw{T}"/>) under the send lock and returns its size.</summary>
    internal int AppendRawMessage<T>(int lane, in T item) => Fitted(lane, _outbox.AppendRaw(lane, in item));

    // The outbox's size of an appended message, or the writer's error when it did not fit a frame of the other side (-1).
    private int Fitted(int lane, int size)
    {
        if (size < 0)
            ThrowTooLarge(lane, _outbox.MaxFrameSize);
        return size;
    }

    /// <summary>Appends the Complete or Fault frame of a lane this side writes.</summary>
    internal void AppendCompletion(int lane, Exception? error)
    {
        if (error is null)
        {
            _outbox.AppendControl((ushort)lane, FrameKind.Complete, default);
            return;
        }
        int max = _remote!.MaxFrameSize;
        byte[] payload = FaultPayload.Encode(error);
        if (payload.Length + FrameLayout.LengthOverhead > max)
            payload = FaultPayload.Encode(new RemoteException(error.GetType().FullName ?? "", "(message too long for the peer's maximum frame size)"));
        if (payload.Length + FrameLayout.LengthOverhead > max)
            _outbox.AppendControl((ushort)lane, FrameKind.Complete, default);
        else
            _outbox.AppendControl((ushort)lane, FrameKind.Fault, payload);
    }

    /// <summary>Returns consumed window of a lane this side reads.</summary>
    internal void AppendCredit(int lane, int messages, long bytes)
    {
        Span<byte> payload = stackalloc byte[FrameLayout.CreditPayloadSize];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)messages);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.Slice(4), (uint)Math.Min(bytes, int.MaxValue));
        _outbox.AppendControl((ushort)lane, FrameKind.Credit, payload);
    }

    void IFrameReceiver.OnFrame(FrameHeader header, ReadOnlyMemory<byte> payload)
    {
        OnHeard();
        try
        {
            Dispatch(header, payload);
        }
        catch (ProtocolException ex)
        {
            NameLane(ex, header.Lane);
            throw;
        }
    }

    // Only a Batch frame of a lane this side reads can be one message; its reader decides whether it is.
    byte[]? IFrameReceiver.LargeFrameDestination(FrameHeader header, ReadOnlySpan<byte> head)
        => header.Kind == FrameKind.Batch && _lanes[header.Lane] is IReaderLane reader ? reader.LargeMessageDestination(header.PayloadLength, head) : null;

    void IFrameReceiver.OnLargeFrame(FrameHeader header, ReadOnlySpan<byte> head, byte[] rest)
    {
        OnHeard();
        try
        {
            int delivered = ReaderOf(header).DeliverLarge(rest);
            _metrics?.Received(header.Lane, delivered, header.PayloadLength - delivered * FrameLayout.BatchEntryPrefixSize);
        }
        catch (ProtocolException ex)
        {
            NameLane(ex, header.Lane);
            throw;
        }
    }

    private void OnHeard()
    {
        Volatile.Write(ref _lastReceive, Environment.TickCount64);
        _outbox.OnHeard();
    }

    /// <summary>A reader of <paramref name="lane"/> met a message that does not decode (decoded as it is read): the link ends.</summary>
    internal void FailUndecodable(ProtocolException error, int lane)
    {
        NameLane(error, lane);
        Fail(error);
    }

    private static void NameLane(ProtocolException error, int lane)
    {
        if (error.Lane < 0 && lane != FrameLayout.LinkLane)
            error.Lane = lane;
    }

    long IFrameReceiver.ReaderProgress
    {
        get
        {
            long progress = -1;
            foreach (ILane? lane in _lanes)
            {
                if (lane is IReaderLane reader && reader.HasBacklog(out long consumed))
                    progress = Math.Max(progress, 0) + consumed;
            }
            return progress;
        }
    }

    void IFrameReceiver.OnEnd(Exception? error)
    {
        try
        {
            switch (error)
            {
                case null:
                    _ = OnEndOfStreamAsync(null);
                    break;
                case ProtocolException { InnerException: EndOfStreamException } cut:
                    _ = OnEndInsideFrameAsync(cut);
                    break;
                case ProtocolException protocol:
                    Fail(protocol);
                    break;
                case SocketException or ObjectDisposedException or IOException:
                    if (_failure is null)
                        _ = OnEndOfStreamAsync(error);
                    break;
                default:
                    Fail(new ProtocolException($"Link of contract '{Contract.Name}' failed while receiving: {error.Message}", error));
                    break;
            }
        }
        finally
        {
            _receiveEnded.TrySetResult();
        }
    }

    private void OnSendFailed(Exception error)
    {
        if (error is SocketException or ObjectDisposedException or IOException)
        {
            if (_failure is null)
                _ = FailAfterSendFailedAsync(error);
        }
        else
        {
            Fail(new ProtocolException($"Link of contract '{Contract.Name}' failed while sending: {error.Message}", error));
        }
    }

    // A send fails as soon as the other end has closed its socket, possibly before this side received the Close
    // frame sent just before: let receiving finish (briefly) so an orderly close is not reported as a lost peer.
    private async Task FailAfterSendFailedAsync(Exception error)
    {
        await Task.WhenAny(_receiveEnded.Task, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false);
        if (_failure is null)
            await FailAsync(PeerLostAsync("sending failed: " + error.Message, error)).ConfigureAwait(false);
    }

    private async Task FailAsync(ValueTask<PeerLostException> error)
    {
        try
        {
            Fail(await error.ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    private void Dispatch(FrameHeader header, ReadOnlyMemory<byte> payload)
    {
        switch (header.Kind)
        {
            case FrameKind.Data:
            case FrameKind.Batch:
                bool batch = header.Kind == FrameKind.Batch;
                int delivered = ReaderOf(header).Deliver(payload, batch);
                _metrics?.Received(header.Lane, delivered, batch ? payload.Length - delivered * FrameLayout.BatchEntryPrefixSize : payload.Length);
                break;
            case FrameKind.Credit:
                if (_lanes[header.Lane] is not IWriterLane writer)
                {
                    ThrowProtocol($"Credit frame for {DescribeLane(header.Lane)}, which this side does not write.", Diagnostics.ProtocolErrorTypes.BadLane);
                    return;
                }
                (int messages, int bytes) = FrameParser.ReadCredit(payload.Span);
                writer.ReturnCredit(messages, bytes);
                break;
            case FrameKind.Complete:
                ReaderOf(header).CompleteRemote(null);
                break;
            case FrameKind.Fault:
                IReaderLane faulted = ReaderOf(header);
                RemoteException fault = FaultPayload.Decode(payload.Span);
                faulted.CompleteRemote(fault);
                OnLaneFaulted(header.Lane, fault);
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
            : $"{header.Kind} frame for {DescribeLane(header.Lane)}, which has no reader on this side.", Diagnostics.ProtocolErrorTypes.BadLane);
        return null;
    }

    private async Task OnEndOfStreamAsync(Exception? error)
    {
        if (_remoteClosed)
            Fail(new ChannelClosedException($"The other end of the link of contract '{Contract.Name}' closed it."));
        else
            await FailAsync(PeerLostAsync(error is null ? "the connection closed without a goodbye (the process exited, crashed or was killed)" : "the connection failed: " + error.Message, error)).ConfigureAwait(false);
    }

    // A stream that ends inside a frame: the peer's process was killed between two parts of one send (a SIGKILL while
    // the socket was full), which is a lost peer, or a live peer closed mid-frame, which breaks the protocol. Whether
    // the process has ended tells them apart; a peer whose process is unknown counts as live.
    private async Task OnEndInsideFrameAsync(ProtocolException cut)
    {
        if (await PeerProcessEndedAsync().ConfigureAwait(false))
            await FailAsync(PeerLostAsync("the connection ended inside a frame: the process exited, crashed or was killed in the middle of a send", cut)).ConfigureAwait(false);
        else
            Fail(cut);
    }

    // Waits up to a second: the socket closes while the process is being torn down, a moment before it has ended.
    private async ValueTask<bool> PeerProcessEndedAsync()
    {
        if (_peerProcess is { } process && await PeerProcessExitedAsync(process).ConfigureAwait(false) is { } exited)
            return exited;
        if ((_transport as Transports.UnixSocket.UnixSocketTransport)?.PeerProcessId is not int pid || pid == Environment.ProcessId)
            return false;
        long deadline = Environment.TickCount64 + 1000;
        while (!Transports.UnixSocket.PeerProcess.HasEnded(pid))
        {
            if (Environment.TickCount64 >= deadline)
                return false;
            await Task.Delay(10).ConfigureAwait(false);
        }
        return true;
    }

    // Whether the peer's process exits within a second; null when it is not ours to watch.
    private static async ValueTask<bool?> PeerProcessExitedAsync(System.Diagnostics.Process process)
    {
        try
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private async ValueTask<PeerLostException> PeerLostAsync(string reason, Exception? inner)
    {
        System.Diagnostics.Process? process = _peerProcess;
        // Still running, or not ours to watch: the exit code stays unknown.
        int? exitCode = process is not null && await PeerProcessExitedAsync(process).ConfigureAwait(false) == true ? process.ExitCode : null;
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
            _ = FailAsync(PeerLostAsync($"it sent nothing for longer than {_options.PeerTimeout.TotalSeconds:0.###} s (ChannelOptions.PeerTimeout)", null));
            return;
        }
        // Half a period, so that timer jitter never stretches the gap between pings to two periods.
        if (now - _outbox.LastSend >= (long)PingPeriod(_options.PeerTimeout).TotalMilliseconds / 2)
            _outbox.AppendControl(FrameLayout.LinkLane, FrameKind.Ping, default);
    }


    private static TimeSpan PingPeriod(TimeSpan peerTimeout)
    {
        long ms = Math.Clamp((long)peerTimeout.TotalMilliseconds / 5, 10, 2000);
        return TimeSpan.FromMilliseconds(ms);
    }

    private async ValueTask CloseTransportAsync(Exception closed)
    {
        _outbox.AppendControl(FrameLayout.LinkLane, FrameKind.Close, default);
        _outbox.Shutdown();
        if (_outbox.Loop is { } sendLoop)
        {
            // A peer that does not read could keep the last frames from going out; do not wait for it forever.
            await Task.WhenAny(sendLoop, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        }
        Fail(closed);
        await _receiveEnded.Task.ConfigureAwait(false);
        if (_outbox.Loop is { } loop)
            await loop.ConfigureAwait(false);
    }

    private void CloseTransport()
    {
        _pingTimer?.Dispose();
        ILinkTransport? transport = _transport;
        if (transport is null)
            return;
        _outbox.Shutdown();
        transport.Close();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowTooLarge(int lane, int max)
        => throw new ArgumentException($"A message for {DescribeLane(lane)} does not fit in one frame of the other side's maximum size ({max} bytes, its ChannelOptions.MaxFrameSize).");
}
