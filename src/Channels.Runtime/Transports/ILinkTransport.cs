namespace Channels.Transports;

/// <summary>
/// What carries one link's frames between its two ends: bytes that hold whole frames in, validated frames out.
/// A transport knows the frame layout (<see cref="Wire.FrameLayout"/>) and nothing of lanes, messages or codecs;
/// the link above it builds, coalesces and interprets the frames. One folder per transport, each passing the
/// transport conformance tests.
/// </summary>
/// <remarks>
/// What every implementation guarantees:
/// <list type="bullet">
/// <item><b>Order.</b> Frames reach the other end's <see cref="IFrameReceiver"/> exactly once, in the order their bytes
/// were passed to <see cref="TrySend"/>/<see cref="SendAsync"/>, and never torn: the receiver sees only whole frames.</item>
/// <item><b>Commit.</b> A frame is committed (it will reach the other end unless the link is lost) once
/// <see cref="TrySend"/> has counted its last byte or the <see cref="SendAsync"/> that carried it completed. Callers
/// never have two sends outstanding: the bytes a <see cref="TrySend"/> did not take go to <see cref="SendAsync"/> next.</item>
/// <item><b>One receiver thread.</b> After <see cref="Start"/>, <see cref="IFrameReceiver.OnFrame"/> runs on one thread
/// at a time; the payload it gets is valid only during that call. A frame whose header fails validation (length over
/// the maximum, unknown kind, lane out of range) ends receiving with <see cref="ProtocolException"/>; nothing is sized
/// from a length field before it is checked.</item>
/// <item><b>End, reported once.</b> <see cref="IFrameReceiver.OnEnd"/> is called exactly once, after the last frame:
/// with <see langword="null"/> when the other end closed at a frame boundary (orderly close, or a peer process that
/// exited: the link tells these apart by its Close frame); with <see cref="ProtocolException"/> for bytes that are not
/// frames or a stream that ends inside a frame; with another exception (IOException, SocketException) when the
/// connection failed. After <see cref="Close"/> it is called too (with whatever ended the receive).</item>
/// <item><b>Close.</b> <see cref="Close"/> is idempotent, never blocks, makes later sends fail or be dropped, and makes
/// the other end's receiver end once it has the frames committed before.</item>
/// </list>
/// A transport that needs a bootstrap (the handshake, over a Unix socket) is attached to the link after it; see
/// <see cref="LinkFactory"/>.
/// </remarks>
internal interface ILinkTransport
{
    /// <summary>Names the transport and its endpoint for messages: "Unix socket", "in-process".</summary>
    string Description { get; }

    /// <summary>Starts delivering received frames to <paramref name="receiver"/>; called once.</summary>
    /// <param name="receiver">Gets every frame, then the end.</param>
    /// <param name="maxFrameSize">The largest frame (length field value) this end accepts.</param>
    /// <param name="laneCount">The lanes of the contract: lane frames naming others are a protocol error.</param>
    void Start(IFrameReceiver receiver, int maxFrameSize, int laneCount);

    /// <summary>
    /// Sends as much of <paramref name="frames"/> as goes without waiting and returns how many bytes it took
    /// (0 when the transport is full or closed); the rest goes to <see cref="SendAsync"/>.
    /// </summary>
    int TrySend(ReadOnlySpan<byte> frames);

    /// <summary>Sends all of <paramref name="frames"/>, waiting for room; fails when the connection fails.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> frames);

    /// <summary>Closes both directions now; idempotent.</summary>
    void Close();

    /// <summary>
    /// Whether the link's readers, rather than the thread that delivers a frame, decode its small messages, as they
    /// read them (see <see cref="Lanes.LaneReader{T}"/>). Measured with a million small records a round: over shared
    /// memory, where the frames wait in the ring until delivered, 20-35% more records per second and 17% less CPU per
    /// record in each process; over a Unix socket, whose receive thread decodes beside the reader, 5-25% fewer; over
    /// NATS, where a fast writer's window of decoded records outlived the receiver's youngest generation, no gen1
    /// collections instead of 13-16 a round and, with messages that fit the server's reads, 0.83× instead of 0.66× raw
    /// NATS.Net (see docs/nats.md).
    /// </summary>
    bool ReadersDecode => false;
}
