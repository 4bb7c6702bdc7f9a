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
/// (they timed out or were cancelled meanwhile) goes back to the queue at once (NAK). Gets that start while a
/// request is out wait for its end, so a request lasts only a few milliseconds while messages flow, and longer (up
/// to half a second) only while the queue stays empty: a message put then still reaches a waiting get at once.
/// </summary>
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
    private readonly string _inbox;
    private readonly INatsSub<NatsMemoryOwner<byte>> _replies;
    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _waiting = [];
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

    private PullGetters(NatsConnection connection, string stream, string consumer, string inbox, INatsSub<NatsMemoryOwner<byte>> replies)
    {
        _connection = connection;
        _nextSubject = $"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}";
        _inbox = inbox;
        _replies = replies;
        _loop = PullLoopAsync();
    }

    public static async ValueTask<PullGetters> StartAsync(NatsConnection connection, string stream, string consumer, CancellationToken cancellationToken)
    {
        // Not under NATS.Net's own inbox prefix, whose subjects the client routes through its request subscription.
        string inbox = "_CHN_PULL." + Guid.NewGuid().ToString("N");
        INatsSub<NatsMemoryOwner<byte>> replies = await connection.SubscribeCoreAsync<NatsMemoryOwner<byte>>(inbox + ".*", cancellationToken: cancellationToken).ConfigureAwait(false);
        return new PullGetters(connection, stream, consumer, inbox, replies);
    }

    /// <summary>
    /// Waits for one message at most <paramref name="wait"/> (zero: only one ready now); null when none came.
    /// </summary>
    public async ValueTask<Delivery?> PullAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var waiter = new Waiter(noWait: wait <= TimeSpan.Zero);
        LinkedListNode<Waiter> node;
        lock (_lock)
            node = _waiting.AddLast(waiter);
        _wake.Writer.TryWrite(true);
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
        => await _connection.RequestAsync<ReadOnlyMemory<byte>, NatsMemoryOwner<byte>>(message.ReplyTo!, s_ack, cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <summary>Acknowledges <paramref name="message"/> without asking for a confirmation.</summary>
    public ValueTask PublishAckAsync(NatsMsg<NatsMemoryOwner<byte>> message, CancellationToken cancellationToken)
        => _connection.PublishAsync(message.ReplyTo!, s_ack, cancellationToken: cancellationToken);

    /// <summary>Gives <paramref name="message"/> back to the queue at once.</summary>
    public ValueTask NakAsync(NatsMsg<NatsMemoryOwner<byte>> message)
        => message.ReplyTo is { } reply ? _connection.PublishAsync(reply, s_nak) : ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _replies.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or NatsException or ChannelClosedException)
        {
            // Stopped.
        }
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
                await _wake.Reader.ReadAsync(stop).ConfigureAwait(false);
                continue;
            }
            long request = ++_lastRequest;
            string payload = noWait
                ? $"{{\"batch\":{wanted},\"no_wait\":true}}"
                : $"{{\"batch\":{wanted},\"expires\":{expiresMs * 1_000_000L}}}";
            try
            {
                using (var bounded = CancellationTokenSource.CreateLinkedTokenSource(stop))
                {
                    bounded.CancelAfter(s_grace);
                    await _connection.PublishAsync<ReadOnlyMemory<byte>>(_nextSubject, Encoding.ASCII.GetBytes(payload), replyTo: _inbox + "." + request.ToString(CultureInfo.InvariantCulture), cancellationToken: bounded.Token).ConfigureAwait(false);
                }
                int received = await ReceiveAsync(request, wanted, noWait, TimeSpan.FromMilliseconds(expiresMs), stop).ConfigureAwait(false);
                expiresMs = received > 0 ? MinExpiresMs : Math.Min(expiresMs * 2, MaxExpiresMs);
            }
            catch (Exception ex) when (ex is NatsException or TimeoutException or OperationCanceledException && !stop.IsCancellationRequested)
            {
                // The server is away: the gets time out by themselves; try again shortly.
                await Task.Delay(100, stop).ConfigureAwait(false);
            }
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
                    await NakAsync(message).ConfigureAwait(false);
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
            return (count, count > 0 && allNoWait);
        }
    }

    private bool HandOver(Delivery message)
    {
        while (true)
        {
            Waiter oldest;
            lock (_lock)
            {
                if (_waiting.First is not { } first)
                    return false;
                oldest = first.Value;
                _waiting.RemoveFirst();
            }
            if (oldest.Answer.TrySetResult(message))
                return true;
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
