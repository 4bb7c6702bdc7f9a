using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using Channels.Contracts;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Channels.Nats.Queues;

/// <summary>
/// One queue on JetStream, in bytes: a work-queue stream (capacity = <c>MaxMsgs</c> with discard-new, so a full
/// queue refuses puts, which wait and retry until their timeout), one durable pull consumer shared by every getter
/// (a get fetches one message), acknowledged when the get returns (plain queue) or at <c>TaskDone</c> (redelivery
/// queue: JetStream delivers it again after the ack wait when the getter dies first).
/// </summary>
/// <remarks>
/// Puts carry a message id, so a put retried after a lost acknowledgement (a server node failing) is stored once;
/// acknowledgements are confirmed by the server (double ack) and retried, so a get that returned is never
/// delivered again to another getter of a plain queue.
/// </remarks>
[DebuggerDisplay("JetStream queue {Name}")]
internal sealed class JetStreamQueue
{
    private const int MaxMessagesExceeded = 10077;
    private static readonly TimeSpan s_maxPull = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_minPull = TimeSpan.FromMilliseconds(50);

    private readonly NatsJSContext _js;
    private readonly QueueStreams _streams;
    private readonly INatsJSConsumer _consumer;
    private readonly bool _redeliver;
    private readonly TimeSpan _ackWait;
    private readonly string _putIdPrefix = Guid.NewGuid().ToString("N");
    private readonly Lock _heldLock = new();
    private readonly Queue<NatsMsg<NatsMemoryOwner<byte>>> _held = new();
    private readonly PullGetters _getters;
    private const int MaxRetrying = 256;
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(1);
    private readonly Lock _retryLock = new();
    private readonly List<(byte[] Item, string Id)> _retrying = [];
    private long _putCount;
    private int _gotNotDone;
    private volatile bool _closed;

    private JetStreamQueue(string name, int capacity, NatsJSContext js, QueueStreams streams, INatsJSConsumer consumer, PullGetters getters, bool redeliver, TimeSpan ackWait)
    {
        _getters = getters;
        _ackWait = ackWait;
        Name = name;
        Capacity = capacity;
        _js = js;
        _streams = streams;
        _consumer = consumer;
        _redeliver = redeliver;
    }

    /// <summary>"Contract.Lane", for messages.</summary>
    public string Name { get; }

    /// <summary>The most items in the queue; 0: unbounded.</summary>
    public int Capacity { get; }

    /// <summary>Whether the connection to the server is up: while it is not, operations give up at once instead of waiting for it.</summary>
    public bool IsConnected => _js.Connection.ConnectionState == NatsConnectionState.Open;

    /// <summary>Whether the queue was closed (by any process).</summary>
    public bool IsClosed => _closed;

    /// <summary>Creates or opens the streams and the consumer of one queue.</summary>
    /// <exception cref="ContractMismatchException">The streams exist for another contract or another delivery mode.</exception>
    /// <exception cref="IOException">Opening: there is no such queue.</exception>
    public static async ValueTask<JetStreamQueue> OpenAsync(NatsJSContext js, ContractDescriptor contract, string endpoint, string endpointName, int lane, bool create, NatsTransportOptions transport, CancellationToken cancellationToken)
    {
        LaneDescriptor descriptor = contract.Lanes[lane];
        bool redeliver = descriptor.QueueRedeliver;
        string name = contract.Name + "." + descriptor.Name;
        var streams = QueueStreams.For(endpointName, descriptor.Name);
        string description = QueueStreams.Describe(contract, redeliver);
        INatsJSStream items;
        if (create)
        {
            items = await EnsureStreamAsync(js, new StreamConfig(streams.Items, [streams.ItemsSubject])
            {
                Description = description,
                Retention = StreamConfigRetention.Workqueue,
                MaxMsgs = descriptor.QueueCapacity > 0 ? descriptor.QueueCapacity : -1,
                Discard = StreamConfigDiscard.New,
                Storage = StreamConfigStorage.File,
                NumReplicas = transport.Replicas,
                DuplicateWindow = TimeSpan.FromMinutes(2),
            }, cancellationToken).ConfigureAwait(false);
            await EnsureStreamAsync(js, Counter(streams.Done, streams.DoneSubject, description, transport), cancellationToken).ConfigureAwait(false);
            await EnsureStreamAsync(js, Counter(streams.State, streams.StateSubject, description, transport), cancellationToken).ConfigureAwait(false);
            await js.CreateOrUpdateConsumerAsync(streams.Items, new ConsumerConfig(streams.Consumer)
            {
                AckPolicy = ConsumerConfigAckPolicy.Explicit,
                AckWait = transport.AckWait,
                MaxDeliver = -1,
                MaxAckPending = -1,
                MaxWaiting = 4096,
            }, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            try
            {
                items = await js.GetStreamAsync(streams.Items, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (NatsJSApiException ex) when (ex.Error.Code == 404)
            {
                throw new IOException($"There is no queue '{name}' at endpoint '{endpoint}'; create it first (Create).", ex);
            }
        }
        if (items.Info.Config.Description != description)
            throw QueueStreams.Mismatch(contract, redeliver, items.Info.Config.Description, endpoint);
        INatsJSConsumer consumer = await js.GetConsumerAsync(streams.Items, streams.Consumer, cancellationToken).ConfigureAwait(false);
        PullGetters getters = await PullGetters.StartAsync((NatsConnection)js.Connection, streams.Items, streams.Consumer, cancellationToken).ConfigureAwait(false);
        var queue = new JetStreamQueue(name, descriptor.QueueCapacity, js, streams, consumer, getters, redeliver, consumer.Info.Config.AckWait);
        INatsJSStream state = await js.GetStreamAsync(streams.State, cancellationToken: cancellationToken).ConfigureAwait(false);
        queue._closed = state.Info.State.Messages > 0;
        return queue;
    }

    /// <summary>The subject on which a close is announced; the session listens and calls <see cref="OnClosed"/>.</summary>
    public string StateSubject => _streams.StateSubject;

    /// <summary>Notes that the queue was closed elsewhere.</summary>
    public void OnClosed() => _closed = true;

    /// <summary>
    /// Puts one encoded item if the server takes it now: false when the queue is full or the server is away. A put
    /// that failed for the server's absence and is tried again with the same bytes reuses its message id, so if the
    /// first attempt was stored after all (its acknowledgement lost with a node), the retry is not stored twice.
    /// </summary>
    /// <exception cref="ChannelClosedException">The queue is closed.</exception>
    public async ValueTask<bool> TryPutAsync(byte[] item)
    {
        if (_closed)
            throw new ChannelClosedException($"Queue '{Name}' is closed; no more items can be put.");
        string id = MessageIdFor(item);
        bool stored = false;
        bool transient = false;
        try
        {
            using var bounded = Bounded(CancellationToken.None);
            PubAckResponse ack = await _js.PublishAsync<ReadOnlyMemory<byte>>(_streams.ItemsSubject, item, opts: new NatsJSPubOpts { MsgId = id }, cancellationToken: bounded.Token).ConfigureAwait(false);
            if (ack.Error is { } error && error.ErrCode != MaxMessagesExceeded)
                throw new IOException($"Queue '{Name}': the server refused a put: {error.Description} (code {error.ErrCode}).");
            stored = ack.Error is null;
        }
        catch (NatsJSApiException ex) when (ex.Error.ErrCode == MaxMessagesExceeded)
        {
            // Full: not stored.
        }
        catch (Exception ex) when (IsServerAway(ex))
        {
            transient = true;
        }
        lock (_retryLock)
        {
            int index = _retrying.FindIndex(entry => entry.Id == id);
            if (!transient && index >= 0)
                _retrying.RemoveAt(index);
            else if (transient && index < 0)
            {
                if (_retrying.Count == MaxRetrying)
                    _retrying.RemoveAt(0);
                _retrying.Add((item, id));
            }
        }
        return stored;
    }

    /// <summary>Whether the queue has room for a put (the server's count of stored items is below the capacity).</summary>
    public async ValueTask<bool> HasRoomAsync()
    {
        if (_closed || Capacity == 0)
            return true;
        try
        {
            using var bounded = Bounded(CancellationToken.None);
            INatsJSStream items = await _js.GetStreamAsync(_streams.Items, cancellationToken: bounded.Token).ConfigureAwait(false);
            return items.Info.State.Messages < Capacity;
        }
        catch (Exception ex) when (IsServerAway(ex))
        {
            return false;
        }
    }

    /// <summary>Whether an exception means the server (or a cluster node) is away, so the call may succeed later.</summary>
    public static bool IsServerAway(Exception error) => error is NatsException or TimeoutException or OperationCanceledException && error is not NatsJSApiException;

    private string MessageIdFor(byte[] item)
    {
        lock (_retryLock)
        {
            foreach ((byte[] pending, string id) in _retrying)
            {
                if (pending.AsSpan().SequenceEqual(item))
                    return id;
            }
        }
        return _putIdPrefix + "-" + Interlocked.Increment(ref _putCount).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A bound on one call to the server: a request to an absent server (NATS.Net buffers it until the connection
    /// comes back) gives up after this, so no queue operation waits on it past its own timeout for long.
    /// </summary>
    private static CancellationTokenSource Bounded(CancellationToken cancellationToken)
    {
        var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(OperationTimeout);
        return bounded;
    }

    /// <summary>A token that fires <paramref name="grace"/> after <paramref name="timeout"/>, or null for no timeout.</summary>
    private static CancellationTokenSource? Limit(TimeSpan timeout, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
            return null;
        var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout + grace);
        return limit;
    }

    /// <summary>
    /// Fetches one item, waiting at most <paramref name="timeout"/>; false when none came. The item is handed to
    /// <paramref name="accept"/>; when it refuses (the get timed out or was cancelled meanwhile) the item goes back
    /// at once. Each pull lasts at most a few seconds, and none starts once <paramref name="wanted"/> says the caller
    /// has gone.
    /// </summary>
    public async ValueTask<bool> GetAsync<TState>(TimeSpan timeout, Func<TState, bool> wanted, Func<TState, ReadOnlySequence<byte>, bool> accept, TState state, CancellationToken cancellationToken)
    {
        long deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        // The last pull may run past the timeout (pulls last at least 50 ms); the caller's waiter has timed out
        // by then, and an item that still comes goes back.
        using CancellationTokenSource? limit = Limit(timeout, s_maxPull, cancellationToken);
        CancellationToken token = limit?.Token ?? cancellationToken;
        while (wanted(state))
        {
            cancellationToken.ThrowIfCancellationRequested();
            long left = deadline - Environment.TickCount64;
            NatsMsg<NatsMemoryOwner<byte>>? message = null;
            try
            {
                TimeSpan pull = left <= 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Clamp(left, (long)s_minPull.TotalMilliseconds, (long)s_maxPull.TotalMilliseconds));
                message = await _getters.PullAsync(pull, token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsServerAway(ex))
            {
                // A node is away, or this get's time is up: try again until the deadline.
                if (Environment.TickCount64 >= deadline)
                    return false;
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
            if (message is { } got)
            {
                using NatsMemoryOwner<byte> data = got.Data;
                if (!accept(state, new ReadOnlySequence<byte>(data.Memory)))
                {
                    await _getters.NakAsync(got).ConfigureAwait(false);
                    return false;
                }
                if (_redeliver)
                {
                    lock (_heldLock)
                        _held.Enqueue(got);
                }
                else
                {
                    await AckAsync(got).ConfigureAwait(false);
                    Interlocked.Increment(ref _gotNotDone);
                }
                return true;
            }
            if (Environment.TickCount64 >= deadline)
                return false;
        }
        return false;
    }

    /// <summary>Settles the oldest item this process got and has not settled.</summary>
    /// <exception cref="InvalidOperationException">More TaskDone calls than items got.</exception>
    public async ValueTask TaskDoneAsync()
    {
        if (_redeliver)
        {
            NatsMsg<NatsMemoryOwner<byte>> oldest;
            lock (_heldLock)
            {
                if (!_held.TryDequeue(out oldest))
                    throw TooManyTaskDone();
            }
            await AckAsync(oldest).ConfigureAwait(false);
            return;
        }
        if (Interlocked.Decrement(ref _gotNotDone) < 0)
        {
            Interlocked.Increment(ref _gotNotDone);
            throw TooManyTaskDone();
        }
        // The done stream keeps one message; its last sequence counts every TaskDone ever made.
        using var bounded = Bounded(CancellationToken.None);
        await _js.PublishAsync<ReadOnlyMemory<byte>>(_streams.DoneSubject, ReadOnlyMemory<byte>.Empty, cancellationToken: bounded.Token).ConfigureAwait(false);
    }

    /// <summary>Items a get could take now (not yet delivered to a getter).</summary>
    public async ValueTask<int> CountAsync(CancellationToken cancellationToken)
    {
        using var bounded = Bounded(cancellationToken);
        await _consumer.RefreshAsync(bounded.Token).ConfigureAwait(false);
        return (int)Math.Min(int.MaxValue, (long)_consumer.Info.NumPending);
    }

    /// <summary>Stops this process's gets.</summary>
    public ValueTask DisposeAsync() => _getters.DisposeAsync();

    /// <summary>Closes the queue for every process: records it and announces it on the state subject.</summary>
    public async ValueTask CloseAsync()
    {
        _closed = true;
        using var bounded = Bounded(CancellationToken.None);
        await _js.PublishAsync<ReadOnlyMemory<byte>>(_streams.StateSubject, ReadOnlyMemory<byte>.Empty, cancellationToken: bounded.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether every item put has been got and settled: redelivery queues, when the stream is empty (TaskDone
    /// acknowledges); plain queues, when the TaskDone count has reached the count of puts. False while the server is away.
    /// </summary>
    public async ValueTask<bool> IsJoinedAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var bounded = Bounded(cancellationToken);
            INatsJSStream items = await _js.GetStreamAsync(_streams.Items, cancellationToken: bounded.Token).ConfigureAwait(false);
            if (_redeliver)
                return items.Info.State.Messages == 0;
            INatsJSStream done = await _js.GetStreamAsync(_streams.Done, cancellationToken: bounded.Token).ConfigureAwait(false);
            return done.Info.State.LastSeq >= items.Info.State.LastSeq;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsServerAway(ex))
        {
            return false;
        }
    }

    /// <summary>
    /// Acknowledges with the server's confirmation, retrying through a node failure (an acknowledgement is
    /// idempotent) for as long as the ack wait: after that the server has given the item to another getter anyway.
    /// </summary>
    private async ValueTask AckAsync(NatsMsg<NatsMemoryOwner<byte>> message)
    {
        long deadline = Environment.TickCount64 + (long)_ackWait.TotalMilliseconds;
        while (true)
        {
            try
            {
                using var bounded = Bounded(CancellationToken.None);
                await _getters.AckAsync(message, bounded.Token).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when ((ex is NatsException or TimeoutException or OperationCanceledException) && Environment.TickCount64 < deadline)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }

    private static StreamConfig Counter(string name, string subject, string description, NatsTransportOptions transport) => new(name, [subject])
    {
        Description = description,
        Retention = StreamConfigRetention.Limits,
        MaxMsgs = 1,
        Discard = StreamConfigDiscard.Old,
        Storage = StreamConfigStorage.File,
        NumReplicas = transport.Replicas,
    };

    /// <summary>Creates a stream, or returns the one of that name: the caller checks its description.</summary>
    private static async ValueTask<INatsJSStream> EnsureStreamAsync(NatsJSContext js, StreamConfig config, CancellationToken cancellationToken)
    {
        try
        {
            return await js.CreateStreamAsync(config, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException ex) when (ex.Error.ErrCode == 10058)
        {
            // Exists with another configuration: the description check that follows tells whether it is ours.
            return await js.GetStreamAsync(config.Name!, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    private InvalidOperationException TooManyTaskDone() => new($"TaskDone() on queue '{Name}' was called more times than this process got items from it.");
}
