using Channels.Transports;

namespace Channels;

/// <summary>
/// Settings of a link or queue endpoint. Every limit has a safe default; both ends of a link may set their own
/// receive window, which the other side learns at connect time.
/// </summary>
public sealed class ChannelOptions
{
    /// <summary>The options used when none are given.</summary>
    public static ChannelOptions Default { get; } = new();

    /// <summary>The largest frame accepted from the other side, in bytes (default 16 MiB). A larger length field ends the link with <see cref="ProtocolException"/>.</summary>
    public int MaxFrameSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// How many messages of one lane this side buffers for its reader before the remote writer must wait (default 32768).
    /// A lane moves at most one window per credit round trip, so a wide window keeps small messages flowing at full
    /// speed; the reader's buffer grows towards it only while the reader falls behind, and <see cref="LaneWindowBytes"/>
    /// bounds the bytes whatever the count. A link over a remote transport whose credit crosses a server takes that
    /// transport's default instead when this is not set (a <c>nats://</c> link: <c>NatsTransportOptions.LaneWindowMessages</c>).
    /// </summary>
    public int LaneWindowMessages
    {
        get => _laneWindowMessages;
        init
        {
            _laneWindowMessages = value;
            LaneWindowMessagesSet = true;
        }
    }

    private int _laneWindowMessages = 32 * 1024;

    /// <summary>Whether <see cref="LaneWindowMessages"/> was set rather than left at its default.</summary>
    internal bool LaneWindowMessagesSet { get; private set; }

    /// <summary>
    /// How many payload bytes of one lane this side buffers for its reader before the remote writer must wait (default
    /// 1 MiB). At least one message is always allowed. A link over a remote transport takes that transport's default
    /// instead when this is not set (a <c>nats://</c> link: <c>NatsTransportOptions.LaneWindowBytes</c>).
    /// </summary>
    public int LaneWindowBytes
    {
        get => _laneWindowBytes;
        init
        {
            _laneWindowBytes = value;
            LaneWindowBytesSet = true;
        }
    }

    private int _laneWindowBytes = 1024 * 1024;

    /// <summary>Whether <see cref="LaneWindowBytes"/> was set rather than left at its default.</summary>
    internal bool LaneWindowBytesSet { get; private set; }

    /// <summary>How long the handshake (contract check and authentication) may take (default 10 s).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many handshakes a listener runs at once (default 128). A connection that arrives while this many are
    /// running is closed at once, so a flood of clients that never finish the handshake holds a bounded number of
    /// file descriptors, each for at most <see cref="HandshakeTimeout"/>. A listener never runs more than an eighth of
    /// the process's open-file limit (<c>ulimit -n</c>) at once, whatever this says. Must be at least 1.
    /// </summary>
    public int MaxPendingHandshakes { get; init; } = 128;

    /// <summary>
    /// How long a connected peer may stay silent before the link ends with <see cref="PeerLostException"/>
    /// (default 10 s). Idle links send pings, so only a hung or vanished peer is silent this long; a process that
    /// exits or is killed is noticed at once, by the closed socket.
    /// </summary>
    public TimeSpan PeerTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The shared secret of a named endpoint. When <see langword="null"/>, a named endpoint uses the key file that
    /// its listener creates next to the socket (mode 0600); an explicit <c>unix:</c> path requires a key here.
    /// </summary>
    public ReadOnlyMemory<byte>? Key { get; init; }

    /// <summary>
    /// Settings of the remote transport that an endpoint's scheme selects (Channels.Nats:
    /// <c>NatsTransportOptions</c> for <c>nats://</c> endpoints: authentication, TLS, replicas). <see langword="null"/>:
    /// the transport's defaults. Local endpoints ignore it.
    /// </summary>
    public TransportOptions? Transport { get; init; }

    /// <summary>The directory for socket and key files of named endpoints. Default: <c>$XDG_RUNTIME_DIR/channels</c>, else <c>/tmp/channels-&lt;uid&gt;</c>, created with mode 0700.</summary>
    public string? RuntimeDirectory { get; init; }

    /// <summary>
    /// Where the runtime logs (category <c>Channels</c>; events in docs/observability.md). Default
    /// <see langword="null"/>: silent, and no logger is created.
    /// </summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// Whether a link between two processes of one machine may move its frames through shared memory (default
    /// <see langword="true"/>): when both ends allow it, the handshake over the Unix socket hands over a segment
    /// that only the two ends hold, and the socket stays open only to notice a lost peer. Set it to
    /// <see langword="false"/> on either end to keep the link on the socket. In the latest benchmark run
    /// (docs/benchmarks.md) shared memory matched the socket for small messages and beat it for 1 KiB and 64 KiB
    /// messages and by far for round-trip latency. A child started with <see cref="ChildProcess"/> follows its
    /// parent's choice for the pipe it is handed.
    /// </summary>
    public bool UseSharedMemory { get; init; } = true;

    /// <summary>Set on the copy a remote transport uses: its bytes leave the machine, so no segment can be handed over.</summary>
    internal bool SocketOnly { get; private set; }

    /// <summary>
    /// A copy of these options for a link over a remote transport: it keeps the link on the socket (the far end is
    /// another machine) and announces the transport's <paramref name="defaultWindow"/> where
    /// <see cref="LaneWindowMessages"/> or <see cref="LaneWindowBytes"/> was not set.
    /// </summary>
    internal ChannelOptions ForRemote(Transports.LaneWindow defaultWindow)
    {
        var copy = (ChannelOptions)MemberwiseClone();
        copy.SocketOnly = true;
        if (!LaneWindowMessagesSet)
            copy._laneWindowMessages = defaultWindow.Messages;
        if (!LaneWindowBytesSet)
            copy._laneWindowBytes = defaultWindow.Bytes;
        return copy;
    }

    /// <summary>
    /// How this end of a shared-memory link waits for messages and for room (default
    /// <see cref="SharedMemoryWait.SpinThenPark"/>); <see cref="SharedMemoryWait.BusySpin"/> trades a busy core
    /// per waiting side for the lowest latency.
    /// </summary>
    public SharedMemoryWait SharedMemoryWait { get; init; } = SharedMemoryWait.SpinThenPark;

    /// <summary>
    /// The bytes of shared memory that hold the items of each <see cref="ProcessQueue{T}"/> a process hosts (default
    /// 4 MiB; a power of two from 64 KiB to 128 MiB). An item may take up to a quarter of it (an eighth in a
    /// redelivery queue); a put also waits while the items in the queue fill it. Only the hosting process's value
    /// counts.
    /// </summary>
    public long QueueBytes
    {
        get => field;
        init => field = value >= 64 * 1024 && value <= 128L * 1024 * 1024 && (value & (value - 1)) == 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(QueueBytes), value, "QueueBytes must be a power of two from 65536 to 134217728.");
    } = 4 * 1024 * 1024;
}
