using Channels.Transports;
using NATS.Client.Core;

namespace Channels.Nats;

/// <summary>
/// Settings of <c>nats://</c> endpoints, given as <see cref="ChannelOptions.Transport"/>. The server address comes
/// from the endpoint (<c>nats://host:4222/name</c>); everything else about the connection passes through
/// <see cref="Connection"/> unchanged: user and password (<see cref="NatsAuthOpts.Username"/>, or in the endpoint as
/// <c>nats://user:password@host:4222/name</c>), token, NKey seed or creds file (<see cref="NatsOpts.AuthOpts"/>), TLS
/// (<see cref="NatsOpts.TlsOpts"/>).
/// </summary>
/// <example><code>
/// var options = new ChannelOptions
/// {
///     Key = sharedKey,
///     Transport = new NatsTransportOptions
///     {
///         Connection = NatsOpts.Default with { AuthOpts = NatsAuthOpts.Default with { CredsFile = "/etc/app/app.creds" } },
///     },
/// };
/// await using var peer = await IWorker.Peer.ConnectAsync("nats://broker:4222/worker-1", options);
/// </code></example>
public sealed class NatsTransportOptions : TransportOptions
{
    /// <summary>The options used when <see cref="ChannelOptions.Transport"/> is <see langword="null"/>.</summary>
    public static NatsTransportOptions Default { get; } = new();

    /// <summary>The NATS.Net connection options (authentication, TLS, reconnection); their <see cref="NatsOpts.Url"/> is replaced by the endpoint's server.</summary>
    public NatsOpts Connection { get; init; } = NatsOpts.Default;

    /// <summary>
    /// How many messages of one lane a <c>nats://</c> link's reader buffers before the remote writer must wait, when
    /// <see cref="ChannelOptions.LaneWindowMessages"/> is not set (default 262144, 1 to 1,048,576). A lane moves at
    /// most one window per credit round trip, and over NATS that trip crosses the server twice, so a window sized for
    /// a local socket (32768) leaves a busy link waiting for credit. The reader's ring grows up to this many slots only
    /// while the reader lags (a reference or the message struct, plus 4 bytes each: 4 MiB per lane of a class type at
    /// the default), and <see cref="LaneWindowBytes"/> bounds the payload whatever the count.
    /// </summary>
    public int LaneWindowMessages
    {
        get => field;
        init => field = value is >= 1 and <= LinkFactory.MaxWindowMessages
            ? value
            : throw new ArgumentOutOfRangeException(nameof(LaneWindowMessages), value, $"LaneWindowMessages must be 1 to {LinkFactory.MaxWindowMessages}.");
    } = 256 * 1024;

    /// <summary>
    /// How many payload bytes of one lane a <c>nats://</c> link's reader buffers before the remote writer must wait,
    /// when <see cref="ChannelOptions.LaneWindowBytes"/> is not set (default 16 MiB, 1 byte to 1 GiB). Between two ends
    /// of a NATS link sit the sender's client buffer, the server and the kernel's socket buffers on both sides, which
    /// together hold megabytes: a writer held to a local socket's 1 MiB spends most of its time waiting for credit
    /// (measured: two thirds of the time, and a quarter less throughput, for small records over a local server).
    /// This is what a lagging reader may hold of one lane, encoded; raw NATS.Net buffers up to 64 MiB per
    /// subscription by default.
    /// </summary>
    public int LaneWindowBytes
    {
        get => field;
        init => field = value is >= 1 and <= MaxLaneWindowBytes
            ? value
            : throw new ArgumentOutOfRangeException(nameof(LaneWindowBytes), value, $"LaneWindowBytes must be 1 to {MaxLaneWindowBytes}.");
    } = 16 * 1024 * 1024;

    private const int MaxLaneWindowBytes = 1 << 30;

    /// <summary>How many servers of a cluster keep each queue's stream (JetStream replicas, 1 to 5; default 1). Used when a queue is created.</summary>
    public int Replicas
    {
        get => field;
        init => field = value is >= 1 and <= 5 ? value : throw new ArgumentOutOfRangeException(nameof(Replicas), value, "Replicas must be 1 to 5.");
    } = 1;

    /// <summary>
    /// How long an item got from a redelivery queue may stay without <c>TaskDone</c> before JetStream delivers it
    /// again to another consumer (default 30 s). A consumer that dies holding items gives them up after this time.
    /// Used when a redelivery queue is created; plain queues always use 30 s, the time a get has to settle its item
    /// through a cluster's failover.
    /// </summary>
    public TimeSpan AckWait
    {
        get => field;
        init => field = value >= TimeSpan.FromMilliseconds(100) ? value : throw new ArgumentOutOfRangeException(nameof(AckWait), value, "AckWait must be at least 100 ms.");
    } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many items of a plain queue a process that gets from it may pull ahead of its gets (0 to 256; default 8; 0:
    /// none, each get pulls its own item, and no process ever holds an item it has not got). A process getting in a loop
    /// then finds its next item waiting instead of paying a round trip to the server per get; what it read ahead and did
    /// not get within <see cref="QueueReadAheadHold"/> goes back to the queue. An item read ahead is not yet got: it is
    /// neither acknowledged nor claimed, so when the process dies holding it JetStream delivers it again after the
    /// plain queues' ack wait (30 s), to whichever get asks; it is got once all the same. Redelivery queues do not read
    /// ahead: time held would count against an item's <see cref="AckWait"/>.
    /// </summary>
    public int QueueReadAhead
    {
        get => field;
        init => field = value is >= 0 and <= 256 ? value : throw new ArgumentOutOfRangeException(nameof(QueueReadAhead), value, "QueueReadAhead must be 0 to 256.");
    } = 8;

    /// <summary>
    /// How long an item pulled ahead of this process's gets (<see cref="QueueReadAhead"/>) waits for one before it goes
    /// back to the queue for every process (1 ms to 30 s; default 100 ms). Keep it well below the ack wait: an item
    /// held past it is delivered to another getter too (a plain queue's claim still lets only one get return it).
    /// </summary>
    public TimeSpan QueueReadAheadHold
    {
        get => field;
        init => field = value >= TimeSpan.FromMilliseconds(1) && value <= TimeSpan.FromSeconds(30)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(QueueReadAheadHold), value, "QueueReadAheadHold must be 1 ms to 30 s.");
    } = TimeSpan.FromMilliseconds(100);

    internal static NatsTransportOptions From(ChannelOptions options) => options.Transport switch
    {
        null => Default,
        NatsTransportOptions nats => nats,
        var other => throw new ArgumentException($"ChannelOptions.Transport is a {other.GetType().Name}; a nats:// endpoint takes NatsTransportOptions.", nameof(options)),
    };
}
