using System.Buffers;
using System.Net.Sockets;
using System.Threading.Channels;
using Channels.Diagnostics;
using Channels.Transports;
using NATS.Client.Core;

namespace Channels.Nats.Links;

/// <summary>
/// One end of a link over NATS: messages to the other end's inbox subject out, messages on this end's inbox in.
/// The handshake runs as on one machine, over a local socket whose other end this class pumps to and from NATS
/// (the bootstrap); then the runtime takes it as the link's transport (<see cref="TakeOver"/>) and the frames go
/// straight from the link's send buffer into NATS messages that fit one read of the server
/// (<see cref="LinkMessage.MaxBodySizeFor"/>), and from NATS.Net's read buffer straight
/// into the frame assembler, on NATS.Net's read loop (<see cref="LinkInbox"/>): no local socket and no thread hop in
/// the data path; the lanes' readers decode the messages they take (<see cref="ReadersDecode"/>).
/// </summary>
/// <remarks>
/// Every message carries a sequence number (<see cref="LinkMessage"/>), one series per direction across the
/// handshake and the frames. A missing number (NATS dropped a message: a slow consumer cut off, a server restart)
/// ends the link with <see cref="PeerLostException"/>; a message too short for its header, handshake bytes after the
/// frames began or frames that do not parse end it with <see cref="ProtocolException"/>; the end marker ends it
/// orderly (the link tells a close from a lost peer by its Close frame). A link never goes on past a hole in its
/// stream. Losing the server connection ends it at once. Pings and the peer timeout are the link's own frames.
/// <para>The switch needs no extra round trip: each side's first frames message comes after its last handshake
/// bytes, so the other side's bootstrap writes exactly the handshake into its local socket and holds the first
/// frames message until the runtime, its handshake done, has started the transport.</para>
/// </remarks>
internal sealed class NatsLink : ILinkTransport, IDirectInbox
{
    private readonly SharedConnection _connection;
    private readonly LinkInbox _inbox;
    private readonly string _outbox;
    private readonly int _maxBody;
    private readonly Socket _bridge;
    private readonly object _pendingKey;
    private readonly Action _onLost;
    private readonly Lock _lock = new();

    // Ends receiving (Close, loss); the bootstrap's pump out and the publishes stop only on loss.
    private readonly CancellationTokenSource _stopReceiving = new();
    private readonly CancellationTokenSource _stopSending = new();
    private readonly TaskCompletionSource _outboundReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _receiverReady = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ulong _lastSent;
    private ulong _expected = 1;
    private volatile bool _takenOver;
    private IFrameReceiver? _receiver;
    private int _maxFrameSize;
    private int _laneCount;
    private bool _receiveEnded;
    private Exception? _receiveError;
    private Exception? _lost;
    private bool _sending;
    private bool _closeRequested;
    private bool _endStarted;
    private bool _outboundDone;
    // Receiving and sending: the last of the two to finish releases the inbox and the connection.
    private int _partsLeft = 2;
    // Once the receive loop has read what was queued during the handshake, NATS.Net's read loop hands the messages
    // straight to this link (IDirectInbox); the lock keeps the end of receiving from disposing the frames under it.
    private readonly Lock _directLock = new();
    private FrameAssembler? _frames;
    private bool _directEnded;

    private NatsLink(SharedConnection connection, LinkInbox inbox, string outbox, Socket bridge, object pendingKey, string description)
    {
        _connection = connection;
        _inbox = inbox;
        _outbox = outbox;
        _maxBody = LinkMessage.MaxBodySizeFor(outbox);
        _bridge = bridge;
        _pendingKey = pendingKey;
        Description = description;
        _onLost = () => Lose("the connection to the NATS server was lost");
    }

    public string Description { get; }

    /// <summary>
    /// True: a lane's reader decodes the small messages it takes, and NATS.Net's read loop only copies their bytes. Two
    /// processes over one nats-server, a million small records a round: decoded on arrival, a fast writer's window
    /// of records (up to 262,144) waited decoded and outlived the receiver's youngest generation (13-16 gen1
    /// collections a round, none when readers decode), and the receiver spent 2.5× the raw NATS.Net receiver's CPU
    /// per record.
    /// </summary>
    public bool ReadersDecode => true;

    /// <summary>Why the link was cut, when it was (diagnostics).</summary>
    public string? LostReason => Volatile.Read(ref _lost)?.Message;

    /// <summary>
    /// Starts the bootstrap: <paramref name="bridge"/> is the other end of the local socket the handshake runs over.
    /// The link is found again by <paramref name="pendingKey"/> (<see cref="PendingLinks"/>) when the runtime takes it over.
    /// </summary>
    public static NatsLink Start(SharedConnection connection, LinkInbox inbox, string outbox, Socket bridge, object pendingKey, string description)
    {
        var link = new NatsLink(connection, inbox, outbox, bridge, pendingKey, description);
        connection.AddUser(link._onLost);
        PendingLinks.Add(pendingKey, link);
        _ = link.PumpOutAsync();
        _ = link.ReceiveLoopAsync();
        return link;
    }

    /// <summary>
    /// The handshake over <paramref name="linkEnd"/> is done: from here on this carries the link. The socket is shut:
    /// what the handshake wrote into it still goes out before the first frames.
    /// </summary>
    public ILinkTransport TakeOver(Socket linkEnd)
    {
        // Set before the shutdown, which the pump out sees as the end of the handshake bytes.
        _takenOver = true;
        try
        {
            linkEnd.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The pump has lost the socket already; it reports why.
        }
        linkEnd.Dispose();
        return this;
    }

    public void Start(IFrameReceiver receiver, int maxFrameSize, int laneCount)
    {
        bool ended;
        lock (_lock)
        {
            _receiver = receiver;
            _maxFrameSize = maxFrameSize;
            _laneCount = laneCount;
            ended = _receiveEnded;
        }
        _receiverReady.TrySetResult();
        if (ended)
            receiver.OnEnd(_receiveError);
    }

    /// <summary>
    /// Every send goes through <see cref="SendAsync"/>, on the link's send loop: a NATS publish may wait for room in
    /// the connection's buffer, and while the loop publishes, writers fill its next batch. (Publishing small sends on
    /// the writer's thread instead cut a busy link's stream into tiny messages and measured slower.)
    /// </summary>
    public int TrySend(ReadOnlySpan<byte> frames) => 0;

    public async ValueTask SendAsync(ReadOnlyMemory<byte> frames)
    {
        if (!_outboundReady.Task.IsCompletedSuccessfully)
            await _outboundReady.Task.ConfigureAwait(false);
        lock (_lock)
        {
            if (_closeRequested)
                return;
            if (_lost is not null)
                throw new IOException(_lost.Message, _lost);
            _sending = true;
        }
        bool sendEnd;
        try
        {
            while (!frames.IsEmpty)
            {
                ReadOnlyMemory<byte> chunk = frames.Slice(0, Math.Min(frames.Length, _maxBody));
                await PublishAsync(frames: true, chunk).ConfigureAwait(false);
                frames = frames.Slice(chunk.Length);
            }
        }
        catch (Exception ex) when (ex is NatsException or OperationCanceledException)
        {
            Lose("sending failed: " + ex.Message);
            throw new IOException($"The {Description} link could not send: {ex.Message}", ex);
        }
        finally
        {
            lock (_lock)
            {
                _sending = false;
                sendEnd = _closeRequested && !_endStarted;
                _endStarted |= sendEnd;
            }
        }
        if (sendEnd)
            _ = SendEndAsync();
    }

    public void Close()
    {
        bool sendEnd;
        lock (_lock)
        {
            if (_closeRequested)
                return;
            _closeRequested = true;
            sendEnd = !_sending && !_endStarted;
            _endStarted |= sendEnd;
        }
        // An in-flight send finishes first and then sends the end marker itself: committed frames are never cut.
        if (sendEnd)
            _ = SendEndAsync();
        StopReceiving();
    }

    private ValueTask PublishAsync(bool frames, ReadOnlyMemory<byte> body)
        => _connection.Connection.PublishAsync(_outbox, new LinkMessage(LinkMessage.MakeHeader(++_lastSent, frames), body), serializer: LinkMessage.Serializer.Instance, cancellationToken: _stopSending.Token);

    private async Task SendEndAsync()
    {
        try
        {
            await _outboundReady.Task.ConfigureAwait(false);
            await PublishAsync(frames: true, ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NatsException or OperationCanceledException or IOException)
        {
            // Lost: the other end notices by its peer timeout.
        }
        FinishOutbound();
    }

    // The bootstrap's way out: the handshake's bytes, read from the local socket, go out as they come. The end of
    // the socket is the end of the handshake when the runtime took the link over, else the link ended before
    // (a refused handshake): then the end marker tells the other side.
    private async Task PumpOutAsync()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(_maxBody);
        try
        {
            while (true)
            {
                int read = await _bridge.ReceiveAsync(buffer.AsMemory(0, _maxBody), SocketFlags.None, _stopSending.Token).ConfigureAwait(false);
                if (read == 0 && _takenOver)
                {
                    _outboundReady.TrySetResult();
                    return;
                }
                // NATS.Net copies the body into its buffer before the publish completes: the buffer is free again.
                await PublishAsync(frames: false, buffer.AsMemory(0, read)).ConfigureAwait(false);
                if (read == 0)
                    break;
            }
            PendingLinks.Remove(_pendingKey, this);
            _outboundReady.TrySetException(new IOException($"The {Description} link ended during its handshake."));
            FinishOutbound();
            StopReceiving();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or NatsException)
        {
            Lose("sending the handshake failed: " + ex.Message);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // Reads what the inbox queued: the handshake's bytes, pumped into the local socket, then the first frames; once
    // the queue is empty after the handshake, the inbox hands every later message to OnMessage on NATS.Net's read loop.
    private async Task ReceiveLoopAsync()
    {
        ChannelReader<QueuedMessage> messages = _inbox.Queued;
        FrameAssembler? frames = null;
        Exception? end = null;
        bool ended = false;
        try
        {
            while (!ended && await messages.WaitToReadAsync(_stopReceiving.Token).ConfigureAwait(false))
            {
                while (!ended && messages.TryRead(out QueuedMessage message))
                {
                    using (message)
                    {
                        ReadOnlyMemory<byte> data = message.Memory;
                        if (frames is null)
                        {
                            if (!LinkMessage.TryReadHeader(data.Span, out ulong sequence, out bool isFrames))
                            {
                                (ended, end) = (true, TooShort(data.Length));
                                break;
                            }
                            ReadOnlyMemory<byte> body = data.Slice(LinkMessage.HeaderSize);
                            if (!isFrames && !body.IsEmpty)
                            {
                                if (sequence != _expected)
                                {
                                    (ended, end) = (true, Gap(sequence));
                                    break;
                                }
                                _expected++;
                                if (_takenOver)
                                {
                                    (ended, end) = (true, Malformed("handshake bytes arrived after the handshake"));
                                    break;
                                }
                                for (ReadOnlyMemory<byte> rest = body; !rest.IsEmpty;)
                                    rest = rest.Slice(await _bridge.SendAsync(rest, SocketFlags.None, _stopReceiving.Token).ConfigureAwait(false));
                                continue;
                            }
                            // The other side's handshake is over (or it ended): the local handshake sees the end of its
                            // stream, and the runtime starts this transport once its own handshake is done.
                            ShutdownBridgeInput();
                            await _receiverReady.Task.WaitAsync(_stopReceiving.Token).ConfigureAwait(false);
                            frames = new FrameAssembler(_receiver!, _maxFrameSize, _laneCount);
                        }
                        ended = TakeFrames(new ReadOnlySequence<byte>(data), frames, out end);
                    }
                }
                if (!ended && frames is not null && TryReceiveDirectly(frames))
                    return;
            }
            if (!ended)
                end = InboxEnded();
        }
        catch (OperationCanceledException)
        {
            end = Stopped();
        }
        catch (Exception ex)
        {
            // A frame the assembler or the link refused (ProtocolException), or the local socket of the bootstrap failed.
            end = ex;
        }
        frames?.Dispose();
        EndReceive(end);
    }

    // One message after the handshake: its frames go to the assembler (and on to the lanes). True when it ends
    // receiving, with why in end (null: the other side's orderly end marker, which the link tells by its Close frame).
    private bool TakeFrames(ReadOnlySequence<byte> message, FrameAssembler frames, out Exception? end)
    {
        Span<byte> header = stackalloc byte[LinkMessage.HeaderSize];
        if (message.Length < LinkMessage.HeaderSize)
        {
            end = TooShort((int)message.Length);
            return true;
        }
        message.Slice(0, LinkMessage.HeaderSize).CopyTo(header);
        LinkMessage.TryReadHeader(header, out ulong sequence, out bool isFrames);
        if (sequence != _expected)
        {
            end = Gap(sequence);
            return true;
        }
        _expected++;
        ReadOnlySequence<byte> body = message.Slice(LinkMessage.HeaderSize);
        if (body.IsEmpty)
        {
            end = frames.EndOfStreamError(Description);
            return true;
        }
        if (!isFrames)
        {
            end = Malformed("handshake bytes arrived after the link's frames began");
            return true;
        }
        foreach (ReadOnlyMemory<byte> segment in body)
            frames.Append(segment.Span);
        end = null;
        return false;
    }

    // Everything queued is read: from here on the inbox hands each message to OnMessage on NATS.Net's read loop (no
    // copy, no channel, no hop to this loop's thread). False when a message came meanwhile: read that first.
    private bool TryReceiveDirectly(FrameAssembler frames)
    {
        _frames = frames;
        if (!_inbox.TryDeliverDirectly(this))
            return false;
        // Close or loss: the end of receiving runs off the caller's thread, which may be inside OnMessage (a Close
        // frame being dispatched), where the frames must not be disposed.
        _stopReceiving.Token.UnsafeRegister(static state => ((NatsLink)state!).EndDirectLater(null), this);
        return true;
    }

    void IDirectInbox.OnMessage(ReadOnlySequence<byte> payload)
    {
        Exception? end;
        lock (_directLock)
        {
            if (_directEnded)
                return;
            try
            {
                if (!TakeFrames(payload, _frames!, out end))
                    return;
            }
            catch (Exception ex)
            {
                end = ex;
            }
        }
        EndDirect(end);
    }

    void IDirectInbox.OnInboxEnded() => EndDirectLater(InboxEnded());

    private void EndDirectLater(Exception? error)
        => ThreadPool.UnsafeQueueUserWorkItem(static state => state.Link.EndDirect(state.Error ?? state.Link.Stopped()), (Link: this, Error: error), preferLocal: false);

    private void EndDirect(Exception? error)
    {
        lock (_directLock)
        {
            if (_directEnded)
                return;
            _directEnded = true;
            _frames!.Dispose();
        }
        EndReceive(error);
    }

    private Exception Stopped() => Volatile.Read(ref _lost) ?? new ObjectDisposedException(Description, $"The {Description} link was closed.");

    private IOException InboxEnded() => new($"The {Description} link's inbox subscription ended.");

    private IOException Gap(ulong sequence) => new($"The {Description} link lost messages: message {sequence} arrived where {_expected} was due (NATS dropped messages).");

    private ProtocolException TooShort(int length) => Malformed($"a message of {length} bytes arrived, shorter than its {LinkMessage.HeaderSize}-byte header");

    private ProtocolException Malformed(string what) => new($"The {Description} link received a malformed message: {what}.") { ErrorType = ProtocolErrorTypes.Malformed };

    private void EndReceive(Exception? error)
    {
        IFrameReceiver? receiver;
        lock (_lock)
        {
            _receiveEnded = true;
            _receiveError = error;
            receiver = _receiver;
        }
        // After the runtime took the link, receiving ending makes the link end; before, the handshake sees the end.
        if (!_takenOver)
            ShutdownBridgeInput();
        receiver?.OnEnd(error);
        FinishPart();
    }

    private void ShutdownBridgeInput()
    {
        try
        {
            _bridge.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The local end is gone already.
        }
    }

    private void StopReceiving()
    {
        try
        {
            _stopReceiving.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Ended.
        }
    }

    /// <summary>The link cannot go on (the server connection is lost, a publish failed): stop both ways now.</summary>
    private void Lose(string reason)
    {
        var error = new IOException($"The {Description} link was cut: {reason}.");
        if (Interlocked.CompareExchange(ref _lost, error, null) is not null)
            return;
        PendingLinks.Remove(_pendingKey, this);
        _outboundReady.TrySetException(error);
        _stopSending.Cancel();
        StopReceiving();
        _bridge.Close(0);
        FinishOutbound();
    }

    private void FinishOutbound()
    {
        lock (_lock)
        {
            if (_outboundDone)
                return;
            _outboundDone = true;
        }
        FinishPart();
    }

    private void FinishPart()
    {
        if (Interlocked.Decrement(ref _partsLeft) == 0)
            _ = ReleaseAsync();
    }

    private async Task ReleaseAsync()
    {
        PendingLinks.Remove(_pendingKey, this);
        _bridge.Dispose();
        await _inbox.DisposeAsync().ConfigureAwait(false);
        await _connection.ReleaseAsync(_onLost).ConfigureAwait(false);
    }
}
