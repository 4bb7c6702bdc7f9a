using System.Buffers;
using System.Threading.Channels;
using NATS.Client.Core;

namespace Channels.Nats.Links;

/// <summary>
/// The subscription of a link's inbox subject. Until the link has finished its handshake, arriving messages are
/// copied and queued for the link's receive loop, which pumps the handshake's bytes into a local socket; from then
/// on the link takes every message on NATS.Net's read loop itself (<see cref="TryDeliverDirectly"/>): its frames go
/// from NATS.Net's read buffer into the frame assembler, without a copy per message, a channel, or a hop to another
/// thread before the lanes see them.
/// </summary>
internal sealed class LinkInbox : NatsSubBase
{
    /// <summary>
    /// The most messages the queue holds (NATS.Net's own default for a subscription's pending messages). An honest
    /// peer sends its handshake and then at most the windows this side announced before the link reads directly;
    /// more is a flood, which ends the link instead of growing the queue.
    /// </summary>
    public const int MaxQueued = 1024;

    // Not SingleReader: that reader cannot count, and TryDeliverDirectly must know the queue is empty.
    private readonly Channel<QueuedMessage> _queue = Channel.CreateUnbounded<QueuedMessage>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly Lock _lock = new();
    private IDirectInbox? _direct;

    private LinkInbox(NatsConnection connection, string subject)
        : base(connection, connection.SubscriptionManager, subject, queueGroup: null, opts: null, CancellationToken.None)
    {
    }

    /// <summary>The messages queued before direct delivery began; completed when the subscription ends.</summary>
    public ChannelReader<QueuedMessage> Queued => _queue.Reader;

    /// <summary>Subscribes <paramref name="subject"/>. Its lifetime is the link's: no token of the caller's may end it later.</summary>
    public static async ValueTask<LinkInbox> SubscribeAsync(NatsConnection connection, string subject)
    {
        var inbox = new LinkInbox(connection, subject);
        await connection.AddSubAsync(inbox, CancellationToken.None).ConfigureAwait(false);
        return inbox;
    }

    /// <summary>
    /// Hands every message from now on to <paramref name="direct"/>, on NATS.Net's read loop, if none waits in the
    /// queue (they must be read first, in order); true when it did. Called by the queue's reader.
    /// </summary>
    public bool TryDeliverDirectly(IDirectInbox direct)
    {
        lock (_lock)
        {
            if (_queue.Reader.Count > 0 || _queue.Reader.Completion.IsCompleted)
                return false;
            _direct = direct;
            return true;
        }
    }

    protected override ValueTask ReceiveInternalAsync(string subject, string? replyTo, ReadOnlySequence<byte>? headersBuffer, ReadOnlySequence<byte> payloadBuffer)
    {
        // The read loop calls this for one message at a time: once direct, it stays direct.
        IDirectInbox? direct = Volatile.Read(ref _direct);
        if (direct is null)
        {
            lock (_lock)
            {
                direct = _direct;
                if (direct is null)
                {
                    if (_queue.Reader.Count < MaxQueued)
                        _queue.Writer.TryWrite(QueuedMessage.Copy(payloadBuffer));
                    else
                        _queue.Writer.TryComplete(Flooded());
                    return default;
                }
            }
        }
        direct.OnMessage(payloadBuffer);
        return default;
    }

    private static ProtocolException Flooded()
        => new($"More than {MaxQueued} messages arrived on a link's inbox before the link took them directly (after its handshake); the link ends.") { ErrorType = Diagnostics.ProtocolErrorTypes.Malformed };

    protected override void TryComplete()
    {
        IDirectInbox? direct;
        lock (_lock)
        {
            direct = _direct;
            _queue.Writer.TryComplete();
        }
        direct?.OnInboxEnded();
    }
}

/// <summary>What takes a <see cref="LinkInbox"/>'s messages directly, on NATS.Net's read loop.</summary>
internal interface IDirectInbox
{
    /// <summary>One message; <paramref name="payload"/> is valid only during the call.</summary>
    void OnMessage(ReadOnlySequence<byte> payload);

    /// <summary>The subscription ended (unsubscribed, or the connection closed for good).</summary>
    void OnInboxEnded();
}

/// <summary>A message copied out of NATS.Net's read buffer into a pooled array, until <see cref="Dispose"/>.</summary>
internal readonly struct QueuedMessage : IDisposable
{
    private readonly byte[] _array;
    private readonly int _length;

    private QueuedMessage(byte[] array, int length)
    {
        _array = array;
        _length = length;
    }

    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, _length);

    public static QueuedMessage Copy(ReadOnlySequence<byte> payload)
    {
        int length = checked((int)payload.Length);
        byte[] array = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        payload.CopyTo(array);
        return new QueuedMessage(array, length);
    }

    public void Dispose() => ArrayPool<byte>.Shared.Return(_array);
}
