using System.Globalization;
using System.Text;
using System.Threading.Channels;
using NATS.Client.Core;

namespace Channels.Nats.Queues;

/// <summary>
/// The gets of one queue in this process, served by one pull loop over one subscription (no subscription per get).
/// The loop keeps at most one JetStream pull request outstanding, for as many messages as gets are waiting, and
/// hands each message to the oldest get still waiting. One request at a time keeps the accounting exact: JetStream
/// delivers a pulled message under its stream subject, so only the order of events on the connection (the messages
/// of a request, then its end status) tells which request a message answers. A message that finds no get waiting
/// (they timed out or were cancelled meanwhile) is held for the next get, as a message read ahead is (below), or
/// goes back to the queue at once (NAK) when as many as may be read ahead are held already. Gets that start while a
/// request is out wait for its end, so a request lasts only a few milliseconds while messages flow, and longer (up
/// to half a second) only while the queue stays empty: a message put then still reaches a waiting get at once.
/// The loop never ends before the getters are disposed: whatever a request meets (no answer, a status, an exception,
/// the reply subscription ended by the client), the next request follows, on a new subscription if need be.
/// </summary>
/// <remarks>
/// Read ahead (up to the count given at the start; none when it is 0): once a get has taken a message and at most
/// half of that count is held, the next request also asks for enough messages to fill it (none waiting: without
/// waiting at the server), so that a process getting in a loop finds its next message here while it is still
/// claiming or processing its last one, instead of paying a pull round trip per get. A held message that no get takes
/// within the hold time goes back to the queue (NAK), as do those held when the getters are disposed. A held message
/// is neither acknowledged nor claimed: if the process dies holding it, JetStream delivers it again after the
/// consumer's ack wait, and whoever gets it claims it as any other delivery (plain queues), so holding changes who
/// gets an item and when, never how often.
/// </remarks>
internal sealed class PullGetters : IAsyncDisposable
{
    private const int MaxBatch = 256;
    private static readonly ReadOnlyMemory<byte> s_ack = "+ACK"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> s_nak = "-NAK"u8.ToArray();
    private const int MinExpiresMs = 5;
    private const int MaxExpiresMs = 500;
    private const int NoLeaderPauseMs = 50;
    private static readonly TimeSpan s_grace = TimeSpan.FromSeconds(3);

    private readonly NatsConnection _connection;
    private readonly string _nextSubject;
    private string _inbox;
    private INatsSub<NatsMemoryOwner<byte>> _replies;
    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _waiting = [];
    private readonly Queue<Delivery> _held = new();
    private bool _readAhead;
    private readonly int _maxHeld;
    private readonly long _holdMs;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _lastRequest;

    /// <summary>A message pulled, with the time (<see cref="Environment.TickCount64"/>) it arrived.</summary>
    public readonly record struct Delivery(NatsMsg<NatsMemoryOwner<byte>> Message, long ReceivedAt);

    private sealed class Waiter(bool noWait)
    {
        public readonly TaskCompletionSource<Delivery?> Answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly bool NoWait = noWait;
    }

    private PullGetters(NatsConnection connection, string stream, string consumer, string inbox, INatsSub<NatsMemoryOwner<byte>> replies, int readAhead, TimeSpan hold)
    {
        _maxHeld = readAhead;
        _holdMs = Math.Max(1, (long)hold.TotalMilliseconds);
        _connection = connection;
        _nextSubject = $"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}";
        _inbox = inbox;
        _replies = replies;
        _loop = PullLoopAsync();
    }

    /// <summary>
    /// Starts the pull loop of consumer <paramref name="consumer"/> of <paramref name="stream"/>, which holds up to
    /// <paramref name="readAhead"/> messages pulled ahead of the gets (0: none) for up to <paramref name="hold"/> each.
    /// </summary>
    public static async ValueTask<PullGetters> StartAsync(NatsConnection connection, string stream, string consumer, int readAhead, TimeSpan hold, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(readAhead);
        (string inbox, INatsSub<NatsMemoryOwner<byte>> replies) = await SubscribeAsync(connection, cancellationToken).ConfigureAwait(false);
        return new PullGetters(connection, stream, consumer, inbox, replies, readAhead, hold);
    }

    private static async ValueTask<(string Inbox, INatsSub<NatsMemoryOwner<byte>> Replies)> SubscribeAsync(NatsConnection connection, CancellationToken cancellationToken)
    {
        // Not under NATS.Net's own inbox prefix, whose subjects the client routes through its request subscription.
        string inbox = "_CHN_PULL." + Guid.NewGuid().ToString("N");
        INatsSub<NatsMemoryOwner<byte>> replies = await connection.SubscribeCoreAsync<NatsMemoryOwner<byte>>(inbox + ".*", cancellationToken: cancellationToken).ConfigureAwait(false);
        return (inbox, replies);
    }

    /// <summary>How many pull loops found their reply subscription ended and made a new one (tests).</summary>
    internal int Resubscriptions { get; private set; }

    /// <summary>
    /// Ends the reply subscription as the client does when a message on it cannot be read (NATS.Net then completes
    /// the subscription's channel): for tests, which show that the pull loop subscribes again and keeps pulling.
    /// </summary>
    internal ValueTask EndSubscriptionForTestAsync() => _replies.UnsubscribeAsync();

    /// <summary>Messages read ahead and held for the next gets of this process (none is pending at the server meanwhile).</summary>
    public int HeldCount
    {
        get
        {
            lock (_lock)
                return _held.Count;
        }
    }

    /// <summary>
    /// Waits for one message at most <paramref name="wait"/> (zero: only one ready now); null when none came.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The getters are disposed: no request will be made.</exception>
    public async ValueTask<Delivery?> PullAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        // A get that waits at the server asks again and again: once the loop has stopped, it must end, not wait on.
        ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
        bool held;
        bool wake = true;
        Delivery ready;
        Waiter waiter = null!;
        LinkedListNode<Waiter> node = null!;
        lock (_lock)
        {
            // Read ahead: served without a round trip and without a thread hop.
            held = _held.TryDequeue(out ready);
            if (held)
            {
                _readAhead = true;
                // The loop has nothing to do until the read-ahead is half gone (a hold that ends it finds by itself).
                wake = _held.Count <= _maxHeld / 2;
            }
            else
            {
                waiter = new Waiter(noWait: wait <= TimeSpan.Zero);
                node = _waiting.AddLast(waiter);
            }
        }
        // Either a request for this get, or (held) a refill read ahead while this get claims its message.
        if (wake)
            _wake.Writer.TryWrite(true);
        if (held)
            return ready;
        bool canceled = false;
        try
        {
            return await waiter.Answer.Task.WaitAsync(wait + s_grace, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        catch (OperationCanceledException)
        {
            canceled = true;
        }
        // Gone: a message that comes for it now serves another get or goes back.
        lock (_lock)
        {
            if (node.List is not null)
                _waiting.Remove(node);
        }
        if (!waiter.Answer.TrySetResult(null) && waiter.Answer.Task.Result is { } late)
        {
            // Handed over just as the wait ended: taken all the same, unless the caller has gone.
            if (!canceled)
                return late;
            late.Message.Data.Dispose();
            await NakAsync(late.Message).ConfigureAwait(false);
        }
        cancellationToken.ThrowIfCancellationRequested();
        return null;
    }

    /// <summary>Acknowledges <paramref name="message"/> and waits for the server's confirmation.</summary>
    public async ValueTask AckAsync(NatsMsg<NatsMemoryOwner<byte>> message, CancellationToken cancellationToken)
    {
        NatsMsg<NatsMemoryOwner<byte>> confirmation = await _connection.RequestAsync<ReadOnlyMemory<byte>, NatsMemoryOwner<byte>>(message.ReplyTo!, s_ack, cancellationToken: cancellationToken).ConfigureAwait(false);
        // The confirmation's (empty) body is a pooled buffer: give it back.
        confirmation.Data.Dispose();
    }

    /// <summary>Acknowledges <paramref name="message"/> without asking for a confirmation.</summary>
    public ValueTask PublishAckAsync(NatsMsg<NatsMemoryOwner<byte>> message, CancellationToken cancellationToken)
        => _connection.PublishAsync(message.ReplyTo!, s_ack, cancellationToken: cancellationToken);

    /// <summary>Gives <paramref name="message"/> back to the queue at once.</summary>
    public ValueTask NakAsync(NatsMsg<NatsMemoryOwner<byte>> message, CancellationToken cancellationToken = default)
        => message.ReplyTo is { } reply ? _connection.PublishAsync(reply, s_nak, cancellationToken: cancellationToken) : ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
        // Gets still waiting learn now that nothing more comes (they see the disposal on their next pull).
        EndWaits();
        // Messages read ahead go back now rather than after the ack wait.
        await ReleaseHeldAsync(long.MaxValue).ConfigureAwait(false);
        // After the loop, which may have replaced the subscription.
        await DisposeQuietlyAsync(_replies).ConfigureAwait(false);
    }

    private async Task PullLoopAsync()
    {
        CancellationToken stop = _stop.Token;
        int expiresMs = MinExpiresMs;
        while (!stop.IsCancellationRequested)
        {
            (int wanted, bool noWait) = CountWaiting();
            if (wanted == 0)
            {
                await IdleAsync(stop).ConfigureAwait(false);
                continue;
            }
            long request = ++_lastRequest;
            string payload = noWait
                ? $"{{\"batch\":{wanted},\"no_wait\":true}}"
                : $"{{\"batch\":{wanted},\"expires\":{expiresMs * 1_000_000L}}}";
            try
            {
                // A request whose answers no subscription takes would leave its messages pending until the ack wait.
                if (_replies.Msgs.Completion.IsCompleted)
                    await ResubscribeAsync(stop).ConfigureAwait(false);
                using (var bounded = CancellationTokenSource.CreateLinkedTokenSource(stop))
                {
                    bounded.CancelAfter(s_grace);
                    await _connection.PublishAsync<ReadOnlyMemory<byte>>(_nextSubject, Encoding.ASCII.GetBytes(payload), replyTo: _inbox + "." + request.ToString(CultureInfo.InvariantCulture), cancellationToken: bounded.Token).ConfigureAwait(false);
                }
                int received = await ReceiveAsync(request, wanted, noWait, TimeSpan.FromMilliseconds(expiresMs), stop).ConfigureAwait(false);
                expiresMs = received > 0 ? MinExpiresMs : Math.Min(expiresMs * 2, MaxExpiresMs);
            }
            catch (Exception) when (!stop.IsCancellationRequested)
            {
                // Whatever went wrong (the server away, the client's reply subscription ended, a message it could not
                // read), the gets still wait: the loop asks again, shortly, and never ends before the getters do.
                await RecoverAsync(stop).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Waits for a get while none is waiting; a message held (read ahead) that no get took within the hold time
    /// goes back to the queue meanwhile.
    /// </summary>
    private async Task IdleAsync(CancellationToken stop)
    {
        long oldest;
        lock (_lock)
            oldest = _held.TryPeek(out Delivery first) ? first.ReceivedAt : -1;
        if (oldest < 0)
        {
            await _wake.Reader.ReadAsync(stop).ConfigureAwait(false);
            return;
        }
        long left = oldest + _holdMs - Environment.TickCount64;
        if (left > 0)
        {
            using var hold = CancellationTokenSource.CreateLinkedTokenSource(stop);
            hold.CancelAfter(TimeSpan.FromMilliseconds(left));
            try
            {
                await _wake.Reader.ReadAsync(hold.Token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                // No get came for the held message.
            }
        }
        await ReleaseHeldAsync(Environment.TickCount64 - _holdMs).ConfigureAwait(false);
    }

    /// <summary>Gives back (NAK) the held messages that arrived at or before <paramref name="arrivedBy"/>.</summary>
    private async ValueTask ReleaseHeldAsync(long arrivedBy)
    {
        while (true)
        {
            Delivery released;
            lock (_lock)
            {
                if (!_held.TryPeek(out released) || released.ReceivedAt > arrivedBy)
                    return;
                _held.Dequeue();
            }
            released.Message.Data.Dispose();
            try
            {
                // Bounded: a NAK that cannot go (the server away) is lost, and the message comes again after the ack wait.
                using var bounded = new CancellationTokenSource(s_grace);
                await NakAsync(released.Message, bounded.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NatsException or OperationCanceledException)
            {
                // As above: JetStream delivers it again after the ack wait.
            }
        }
    }

    /// <summary>After a failed request: a new reply subscription if the client ended this one, then a short pause.</summary>
    private async Task RecoverAsync(CancellationToken stop)
    {
        try
        {
            if (_replies.Msgs.Completion.IsCompleted)
                await ResubscribeAsync(stop).ConfigureAwait(false);
        }
        catch (Exception) when (!stop.IsCancellationRequested)
        {
            // No new subscription yet (the server away): tried again after the pause.
        }
        await Task.Delay(100, stop).ConfigureAwait(false);
    }

    /// <summary>Replaces the reply subscription, which the client ended, by a new one on a new inbox.</summary>
    private async ValueTask ResubscribeAsync(CancellationToken stop)
    {
        INatsSub<NatsMemoryOwner<byte>> ended = _replies;
        (_inbox, _replies) = await SubscribeAsync(_connection, stop).ConfigureAwait(false);
        Resubscriptions++;
        await DisposeQuietlyAsync(ended).ConfigureAwait(false);
    }

    private static async ValueTask DisposeQuietlyAsync(INatsSub<NatsMemoryOwner<byte>> ended)
    {
        try
        {
            await ended.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The ended subscription rethrows the error that ended it; that error is what the new one replaces.
        }
    }

    /// <summary>Takes the events of request <paramref name="request"/>: up to <paramref name="wanted"/> messages, then its end.</summary>
    private async Task<int> ReceiveAsync(long request, int wanted, bool noWait, TimeSpan expires, CancellationToken stop)
    {
        using var silence = CancellationTokenSource.CreateLinkedTokenSource(stop);
        silence.CancelAfter(expires + s_grace);
        int received = 0;
        try
        {
            while (received < wanted)
            {
                NatsMsg<NatsMemoryOwner<byte>> message = await _replies.Msgs.ReadAsync(silence.Token).ConfigureAwait(false);
                if (message.Headers is { Code: >= 100 } status)
                {
                    message.Data.Dispose();
                    // 404/408/409 end the request that the reply subject names; older requests' ends are stale.
                    if (status.Code != 100 && message.Subject.EndsWith("." + request.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
                    {
                        // 503: no consumer leader (a cluster electing one); asking again at once would only spin.
                        if (status.Code == 503)
                            await Task.Delay(NoLeaderPauseMs, stop).ConfigureAwait(false);
                        break;
                    }
                    continue;
                }
                received++;
                if (!HandOver(new Delivery(message, Environment.TickCount64)))
                {
                    message.Data.Dispose();
                    // Bounded: a NAK that cannot go (the server away) is lost, and the message comes again after the ack wait.
                    await NakAsync(message, silence.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            // The server went quiet (away): a new request follows.
        }
        if (noWait)
            EndNoWaitGets();
        return received;
    }

    /// <summary>
    /// How many messages the next request asks for: one per waiting get, and enough to fill the read-ahead when a get
    /// took a message since the last such request and at most half of it is held. No-wait unless a waiting get is
    /// willing to wait.
    /// </summary>
    private (int Wanted, bool NoWait) CountWaiting()
    {
        lock (_lock)
        {
            int count = 0;
            bool allNoWait = true;
            foreach (Waiter waiter in _waiting)
            {
                count++;
                allNoWait &= waiter.NoWait;
                if (count == MaxBatch)
                    break;
            }
            // Refilled in batches: a request per few messages taken, not one per message.
            if (_readAhead && _held.Count <= _maxHeld / 2 && count < MaxBatch)
            {
                // Not asked again until a get takes something: an empty queue costs no requests while no get waits.
                _readAhead = false;
                count = Math.Min(MaxBatch, count + _maxHeld - _held.Count);
            }
            return (count, count > 0 && allNoWait);
        }
    }

    /// <summary>Gives a message to the oldest waiting get, or holds it for the next get (read ahead); false when neither.</summary>
    private bool HandOver(Delivery message)
    {
        while (true)
        {
            Waiter oldest;
            lock (_lock)
            {
                if (_waiting.First is not { } first)
                {
                    if (_held.Count >= _maxHeld)
                        return false;
                    _held.Enqueue(message);
                    return true;
                }
                oldest = first.Value;
                _waiting.RemoveFirst();
                // A get takes this message: the next request may read ahead.
                _readAhead = true;
            }
            if (oldest.Answer.TrySetResult(message))
                return true;
        }
    }

    /// <summary>Ends every wait now with no message (the queue was closed, or the getters are disposed).</summary>
    public void EndWaits()
    {
        lock (_lock)
        {
            foreach (Waiter waiter in _waiting)
                waiter.Answer.TrySetResult(null);
            _waiting.Clear();
        }
    }

    /// <summary>After a no-wait request, gets that wanted only what was ready learn that nothing more is.</summary>
    private void EndNoWaitGets()
    {
        lock (_lock)
        {
            for (LinkedListNode<Waiter>? node = _waiting.First; node is not null;)
            {
                LinkedListNode<Waiter>? next = node.Next;
                if (node.Value.NoWait)
                {
                    _waiting.Remove(node);
                    node.Value.Answer.TrySetResult(null);
                }
                node = next;
            }
        }
    }
}
