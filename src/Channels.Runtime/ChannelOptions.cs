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

    /// <summary>How many messages of one lane this side buffers for its reader before the remote writer must wait (default 1024).</summary>
    public int LaneWindowMessages { get; init; } = 1024;

    /// <summary>How many payload bytes of one lane this side buffers for its reader before the remote writer must wait (default 1 MiB). At least one message is always allowed.</summary>
    public int LaneWindowBytes { get; init; } = 1024 * 1024;

    /// <summary>How long the handshake (contract check and authentication) may take (default 10 s).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

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
    /// How many items of a <see cref="ProcessQueue{T}"/> a process that gets from a queue hosted elsewhere keeps
    /// ready ahead of its gets (default 1). Prefetched items still count in the queue's <see cref="ProcessQueue{T}.Count"/>
    /// and are delivered again if this process dies before getting them. A larger value carries more items per
    /// system call (much higher throughput for a busy consumer) at the price of fairness: items prefetched by a
    /// slow consumer wait for it while others are idle. Must be at least 1.
    /// </summary>
    public int QueuePrefetch
    {
        get => field;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(QueuePrefetch), value, "QueuePrefetch must be at least 1.");
    } = 1;

    /// <summary>
    /// Plain <c>multiprocessing.Queue</c> semantics for the queues this process gets from (default
    /// <see langword="false"/>, <c>JoinableQueue</c> semantics): when set, an item counts as delivered as soon as a
    /// get returns it, so only items still prefetched are delivered again if this process dies, and a process that
    /// never calls <see cref="ProcessQueue{T}.TaskDone"/> holds nothing on the host. When clear, the host keeps every
    /// item got by this process until its <see cref="ProcessQueue{T}.TaskDone"/> and delivers it again to another
    /// process if this one ends first (at-least-once processing); <see cref="ProcessQueue{T}.TaskDone"/> then settles
    /// the oldest item this process got and has not yet settled.
    /// </summary>
    public bool QueueAcknowledgeOnTake { get; init; }

    /// <summary>
    /// How much room a process that puts into a queue hosted elsewhere reserves ahead of its puts (default 256 items,
    /// never more than a quarter of the queue's capacity), so that a put under load completes at once and many puts
    /// share one system call. Reserved room counts against the capacity; a process gives back room it has not used
    /// for a fraction of a second. 0 asks for room only when a put needs it.
    /// </summary>
    public int QueueRoomAhead
    {
        get => field;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(QueueRoomAhead), value, "QueueRoomAhead must not be negative.");
    } = 256;
}
