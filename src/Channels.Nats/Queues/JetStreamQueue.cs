using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using Channels.Contracts;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Channels.Nats.Queues;

/// <summary>
/// One queue on JetStream, in bytes: a work-queue stream (capacity: on one server <c>MaxMsgs</c> with discard-new; with
/// replicas, <see cref="SequencedPuts"/>; a full queue refuses puts, which wait and retry until their timeout), one
/// durable pull consumer shared by every getter
/// (a get fetches one message), acknowledged when the get returns (plain queue) or at <c>TaskDone</c> (redelivery
/// queue: JetStream delivers it again after the ack wait when the getter dies first).
/// </summary>
/// <remarks>
/// Puts carry a message id, so a put retried after a lost acknowledgement (a server node failing) is stored once
/// (<see cref="RetriedPuts"/>); a plain queue's get returns only a message it claimed (<see cref="ClaimLedger"/>),
/// so no two gets return the same item although JetStream may deliver it twice; TaskDone's publications
/// carry message ids too and are retried until the stream acknowledges them.
/// </remarks>
[DebuggerDisplay("JetStream queue {Name}")]
internal sealed class JetStreamQueue
{
    private const int MaxMessagesExceeded = 10077;
    private static readonly TimeSpan s_maxPull = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_minPull = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_openPatience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_closePatience = TimeSpan.FromSeconds(5);

    /// <summary>How long the server remembers a message id (every stream of a queue).</summary>
    internal static readonly TimeSpan DuplicateWindow = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The ack wait of plain queues' consumers (<see cref="NatsTransportOptions.AckWait"/> is the redelivery queues'):
    /// the time after which a message whose getter died before settling it comes again.
    /// </summary>
    internal static readonly TimeSpan PlainAckWait = TimeSpan.FromSeconds(30);

    /// <summary>How long a plain queue's TaskDone tries to reach the server: within the duplicate window, so that its retries count once.</summary>
    private static readonly TimeSpan s_doneRetry = DuplicateWindow / 2;

    private readonly NatsJSContext _js;
    private readonly QueueStreams _streams;
    private readonly INatsJSConsumer _consumer;
    private readonly bool _redeliver;
    private readonly Lock _heldLock = new();
    private readonly Queue<PullGetters.Delivery> _held = new();
    private readonly PullGetters _getters;
    private readonly DeliveryAcks _acks;
    private readonly RetriedPuts _puts = new(DuplicateWindow);
    private readonly SequencedPuts? _sequenced;
    private readonly string _doneIdPrefix = Guid.NewGuid().ToString("N");
    private readonly CancellationTokenSource _stopping = new();
    private long _doneCount;
    private int _gotNotDone;
    private volatile bool _closed;

    private JetStreamQueue(string name, int capacity, NatsJSContext js, QueueStreams streams, INatsJSConsumer consumer, PullGetters getters, bool redeliver, bool replicated)
    {
        _getters = getters;
        Name = name;
        Capacity = capacity;
        _js = js;
        _streams = streams;
        _consumer = consumer;
        _redeliver = redeliver;
        var claims = new ClaimLedger(js, (NatsConnection)js.Connection, streams.Claims, streams.ClaimsSubject, replicated);
        // A bounded queue with replicas keeps its capacity itself: the stream's MaxMsgs is judged differently by each
        // replica on 2.9 (see SequencedPuts).
        if (replicated && capacity > 0)
            _sequenced = new SequencedPuts(js, streams.Items, streams.ItemsSubject, capacity);
        _acks = new DeliveryAcks(getters, claims, () => IsConnected, consumer.Info.Config.AckWait);
    }

    /// <summary>"Contract.Lane", for messages.</summary>
    public string Name { get; }

    /// <summary>The most items in the queue; 0: unbounded.</summary>
    public int Capacity { get; }

    /// <summary>Whether the connection to the server is up: while it is not, operations give up at once instead of waiting for it.</summary>
    public bool IsConnected => _js.Connection.ConnectionState == NatsConnectionState.Open;

    /// <summary>Whether the queue was closed (by any process).</summary>
    public bool IsClosed => _closed;

    /// <summary>
    /// Creates or opens the streams and the consumer of one queue. A cluster that is electing a leader answers no
    /// request for a few seconds, so an attempt that finds no answer is made again, for up to 30 s.
    /// </summary>
    /// <exception cref="ContractMismatchException">The streams exist for another contract or another delivery mode.</exception>
    /// <exception cref="IOException">Opening: there is no such queue.</exception>
    public static async ValueTask<JetStreamQueue> OpenAsync(NatsJSContext js, ContractDescriptor contract, string endpoint, string endpointName, int lane, bool create, NatsTransportOptions transport, CancellationToken cancellationToken)
    {
        long until = Environment.TickCount64 + (long)s_openPatience.TotalMilliseconds;
        while (true)
        {
            try
            {
                return await OpenOnceAsync(js, contract, endpoint, endpointName, lane, create, transport, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsServerAway(ex) && Environment.TickCount64 < until)
            {
                await Task.Delay(250, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async ValueTask<JetStreamQueue> OpenOnceAsync(NatsJSContext js, ContractDescriptor contract, string endpoint, string endpointName, int lane, bool create, NatsTransportOptions transport, CancellationToken cancellationToken)
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
                // With replicas, no MaxMsgs: the puts keep the capacity (SequencedPuts).
                MaxMsgs = descriptor.QueueCapacity > 0 && transport.Replicas <= 1 ? descriptor.QueueCapacity : -1,
                Discard = StreamConfigDiscard.New,
                Storage = StreamConfigStorage.File,
                NumReplicas = transport.Replicas,
                DuplicateWindow = DuplicateWindow,
            }, cancellationToken).ConfigureAwait(false);
            await EnsureStreamAsync(js, Counter(streams.Done, streams.DoneSubject, description, transport), cancellationToken).ConfigureAwait(false);
            await EnsureStreamAsync(js, Counter(streams.State, streams.StateSubject, description, transport), cancellationToken).ConfigureAwait(false);
            if (!redeliver)
                await EnsureStreamAsync(js, ClaimLedger.Config(streams.Claims, streams.ClaimsSubject, description, transport.Replicas), cancellationToken).ConfigureAwait(false);
            await js.CreateOrUpdateConsumerAsync(streams.Items, new ConsumerConfig(streams.Consumer)
            {
                AckPolicy = ConsumerConfigAckPolicy.Explicit,
                AckWait = redeliver ? transport.AckWait : PlainAckWait,
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
        if (create && items.Info.Config.NumReplicas > 1 && items.Info.Config.MaxMsgs > 0)
        {
            // Made by an earlier version, whose streams with replicas kept the capacity as MaxMsgs: removed, as the
            // replicas of a 2.9 cluster each judge it on their own (see SequencedPuts), which loses acknowledged puts.
            items = await js.UpdateStreamAsync(items.Info.Config with { MaxMsgs = -1 }, cancellationToken).ConfigureAwait(false);
        }
        INatsJSConsumer consumer = await js.GetConsumerAsync(streams.Items, streams.Consumer, cancellationToken).ConfigureAwait(false);
        INatsJSStream state = await js.GetStreamAsync(streams.State, cancellationToken: cancellationToken).ConfigureAwait(false);
        // Last: nothing after it can fail, so an attempt that failed leaves no subscription behind.
        // Plain queues only: a redelivery queue's item must be done within its ack wait (seconds, maybe) from its
        // delivery, and time spent held would be taken from it.
        int readAhead = redeliver ? 0 : transport.QueueReadAhead;
        PullGetters getters = await PullGetters.StartAsync((NatsConnection)js.Connection, streams.Items, streams.Consumer, readAhead, transport.QueueReadAheadHold, cancellationToken).ConfigureAwait(false);
        return new JetStreamQueue(name, descriptor.QueueCapacity, js, streams, consumer, getters, redeliver, replicated: items.Info.Config.NumReplicas > 1) { _closed = state.Info.State.Messages > 0 };
    }

    /// <summary>The subject on which a close is announced; the session listens and calls <see cref="OnClosed"/>.</summary>
    public string StateSubject => _streams.StateSubject;

    /// <summary>Notes that the queue was closed elsewhere; gets waiting at the server stop waiting (what is left they take without waiting).</summary>
    public void OnClosed()
    {
        _closed = true;
        _getters.EndWaits();
    }

    /// <summary>
    /// Puts one encoded item if the server takes it now: false when the queue is full or the server is away. A put
    /// whose outcome stayed unknown (no acknowledgement from the stream) leaves its message id for the put tried
    /// again with the same bytes (<see cref="RetriedPuts"/>): if the first attempt was stored after all, the retry
    /// is acknowledged as a duplicate instead of being stored twice.
    /// </summary>
    /// <exception cref="ChannelClosedException">The queue is closed.</exception>
    /// <exception cref="IOException">The server refused the item for a reason other than a full queue.</exception>
    public async ValueTask<bool> TryPutAsync(ReadOnlyMemory<byte> item)
    {
        if (_closed)
            throw new ChannelClosedException($"Queue '{Name}' is closed; no more items can be put.");
        string id = _puts.Claim(item.Span, out bool retried);
        if (_sequenced is not null)
            return await TryPutSequencedAsync(_sequenced, item, id, retried).ConfigureAwait(false);
        try
        {
            using var bounded = Bounded(CancellationToken.None);
            PubAckResponse ack = await _js.PublishAsync(_streams.ItemsSubject, item, opts: new NatsJSPubOpts { MsgId = id }, cancellationToken: bounded.Token).ConfigureAwait(false);
            if (ack.Error is { } error)
            {
                if (error.ErrCode != MaxMessagesExceeded && !IsTransient(error.Code))
                {
                    _puts.Settle(id);
                    throw new IOException($"Queue '{Name}': the server refused a put: {error.Description} (code {error.ErrCode}).");
                }
                // Full, or no stream leader to store it (a cluster electing one): not stored now. An earlier attempt
                // under this id may still have been stored (the server need not look for duplicates before it
                // refuses), so a retried id stays unknown.
                NotStoredNow(id, retried, item.Span);
                return false;
            }
            if (IsStagedDuplicate(ack))
            {
                // The id is known but its first publication is not stored yet (it may never be): tried again.
                _puts.Unknown(id, item.Span);
                return false;
            }
            _puts.Settle(id);
            return true;
        }
        catch (NatsJSApiException ex) when (ex.Error.ErrCode == MaxMessagesExceeded)
        {
            NotStoredNow(id, retried, item.Span);
            return false;
        }
        catch (Exception ex) when (IsServerAway(ex))
        {
            _puts.Unknown(id, item.Span);
            return false;
        }
    }

    /// <summary>
    /// <see cref="TryPutAsync"/> on a bounded queue with replicas: the same bookkeeping of message ids, the capacity
    /// kept by <see cref="SequencedPuts"/>.
    /// </summary>
    private async ValueTask<bool> TryPutSequencedAsync(SequencedPuts sequenced, ReadOnlyMemory<byte> item, string id, bool retried)
    {
        SequencedPuts.Outcome outcome;
        try
        {
            outcome = await sequenced.PutAsync(item, id).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            _puts.Settle(id);
            throw new IOException($"Queue '{Name}': {ex.Message}", ex);
        }
        switch (outcome)
        {
            case SequencedPuts.Outcome.Stored:
                _puts.Settle(id);
                return true;
            case SequencedPuts.Outcome.NotStored:
                // As a full stream's refusal: an earlier attempt under a retried id may still be stored.
                NotStoredNow(id, retried, item.Span);
                return false;
            default:
                _puts.Unknown(id, item.Span);
                return false;
        }
    }

    /// <summary>A put was refused: a first attempt's id is forgotten, a retried one's outcome stays unknown.</summary>
    private void NotStoredNow(string id, bool retried, ReadOnlySpan<byte> item)
    {
        if (retried)
            _puts.Unknown(id, item);
        else
            _puts.Settle(id);
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

    /// <summary>
    /// Whether an exception means the server (or a cluster node, or a cluster's leader) is away, so the call may
    /// succeed later: connection failures, timeouts, and JetStream's "temporarily unavailable" answers.
    /// </summary>
    public static bool IsServerAway(Exception error) => error switch
    {
        NatsJSApiException api => IsTransient(api.Error.Code),
        NatsException or TimeoutException or OperationCanceledException => true,
        _ => false,
    };

    /// <summary>
    /// Whether an acknowledgement says "duplicate" of a publication not yet stored: a clustered stream's leader notes a
    /// message id when it proposes the message, with sequence 0 until the replicas store it, and a 2.9 server answers
    /// a second publication of the id in that time as a duplicate of sequence 0. If the first proposal is then lost
    /// with its leader, nothing was stored: so such an answer is no acknowledgement, and the publication is tried again.
    /// </summary>
    private static bool IsStagedDuplicate(PubAckResponse ack) => ack.Duplicate && ack.Seq == 0;

    /// <summary>JetStream API status codes that a cluster gives while it elects a leader or a node is away.</summary>
    private static bool IsTransient(int code) => code is 503 or 408 or 504;

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
    /// Fetches one item, waiting at most <paramref name="timeout"/> while the queue is open (closed: only an item
    /// ready now); false when none came. The item is handed to <paramref name="accept"/>; a redelivery queue's item
    /// that it refuses goes back at once. Each pull lasts at most a few seconds.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before an item was taken.</exception>
    public async ValueTask<bool> GetAsync<TState>(TimeSpan timeout, Func<TState, ReadOnlySequence<byte>, bool> accept, TState state, CancellationToken cancellationToken)
    {
        long deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        // The last pull may run past the timeout (pulls last at least 50 ms); the caller's waiter has timed out
        // by then, and an item that still comes goes back.
        using CancellationTokenSource? limit = Limit(timeout, s_maxPull, cancellationToken);
        CancellationToken token = limit?.Token ?? cancellationToken;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long left = deadline - Environment.TickCount64;
            PullGetters.Delivery? message = null;
            try
            {
                TimeSpan pull = left <= 0 || _closed ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Clamp(left, (long)s_minPull.TotalMilliseconds, (long)s_maxPull.TotalMilliseconds));
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
                using NatsMemoryOwner<byte> data = got.Message.Data;
                if (_redeliver)
                {
                    if (!accept(state, new ReadOnlySequence<byte>(data.Memory)))
                    {
                        await _getters.NakAsync(got.Message).ConfigureAwait(false);
                        return false;
                    }
                    lock (_heldLock)
                        _held.Enqueue(got);
                    return true;
                }
                // Plain: the message is this get's only if its claim is the one the claims stream took; a message
                // delivered twice (a leader's failover), or a put stored twice, is another get's.
                if (!AckSubject.TryGetStreamSequence(got.Message.ReplyTo, out ulong sequence))
                    throw new InvalidOperationException($"Queue '{Name}': a JetStream delivery on '{got.Message.Subject}' has no acknowledgement subject ('{got.Message.ReplyTo}').");
                ClaimOutcome outcome = await _acks.ClaimAsync(got, sequence, _stopping.Token).ConfigureAwait(false);
                if (outcome == ClaimOutcome.Mine)
                {
                    Interlocked.Increment(ref _gotNotDone);
                    if (accept(state, new ReadOnlySequence<byte>(data.Memory)))
                        return true;
                    throw new InvalidOperationException($"Queue '{Name}': a get refused an item after it was taken from the queue.");
                }
                if (outcome == ClaimOutcome.AnotherCopy)
                    await CountCopyAsync(sequence).ConfigureAwait(false);
                continue;
            }
            if (Environment.TickCount64 >= deadline || _closed)
                return false;
        }
    }

    /// <summary>
    /// Settles the oldest item this process got and has not settled. Redelivery: acknowledges it (retried through a
    /// node failure until its ack wait has passed; after that it comes again anyway). Plain: counts it in the done
    /// stream, under a message id, retried until the stream acknowledges it.
    /// </summary>
    /// <exception cref="InvalidOperationException">More TaskDone calls than items got.</exception>
    /// <exception cref="IOException">Plain: the server could not be reached for a minute; nothing was counted.</exception>
    public async ValueTask TaskDoneAsync()
    {
        if (_redeliver)
        {
            PullGetters.Delivery oldest;
            lock (_heldLock)
            {
                if (!_held.TryDequeue(out oldest))
                    throw TooManyTaskDone();
            }
            await _acks.SettleAsync(oldest).ConfigureAwait(false);
            return;
        }
        if (Interlocked.Decrement(ref _gotNotDone) < 0)
        {
            Interlocked.Increment(ref _gotNotDone);
            throw TooManyTaskDone();
        }
        // The done stream keeps one message; its last sequence counts every TaskDone ever made, each once.
        string id = _doneIdPrefix + "-" + Interlocked.Increment(ref _doneCount).ToString(System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            await CountDoneAsync(id).ConfigureAwait(false);
        }
        catch (IOException)
        {
            Interlocked.Increment(ref _gotNotDone);
            throw;
        }
    }

    /// <summary>
    /// A second stored copy of a put (see <see cref="ClaimLedger"/>) was dropped: counted as done, once whichever
    /// get drops it (its id names the copy), so that <c>Join</c>, which compares the done count with the stream's
    /// count of stored messages, still ends.
    /// </summary>
    private async ValueTask CountCopyAsync(ulong sequence)
    {
        try
        {
            await CountDoneAsync("copy-" + sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The server away for a minute: Join waits for a count that does not come; the get goes on.
        }
    }

    /// <summary>Adds one to the done stream's count under message id <paramref name="id"/>, retried until the stream acknowledges it.</summary>
    /// <exception cref="IOException">The server refused it, or could not be reached within half the duplicate window.</exception>
    private async ValueTask CountDoneAsync(string id)
    {
        long until = Environment.TickCount64 + (long)s_doneRetry.TotalMilliseconds;
        while (true)
        {
            if (IsConnected)
            {
                try
                {
                    using var bounded = Bounded(CancellationToken.None);
                    PubAckResponse ack = await _js.PublishAsync(_streams.DoneSubject, ReadOnlyMemory<byte>.Empty, opts: new NatsJSPubOpts { MsgId = id }, cancellationToken: bounded.Token).ConfigureAwait(false);
                    if (ack.Error is null && !IsStagedDuplicate(ack))
                        return;
                    if (ack.Error is not null && !IsTransient(ack.Error.Code))
                        throw new IOException($"Queue '{Name}': the server refused a TaskDone: {ack.Error.Description} (code {ack.Error.ErrCode}).");
                }
                catch (Exception ex) when (IsServerAway(ex))
                {
                    // Unknown: tried again under the same id.
                }
            }
            if (Environment.TickCount64 >= until)
                throw new IOException($"Queue '{Name}': TaskDone could not reach the NATS server within {s_doneRetry.TotalSeconds:0} s; call it again once the server is back.");
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Items a get of this process could take now: those not yet delivered to any getter, and those this process
    /// read ahead (<see cref="PullGetters"/>), which the server counts as delivered.
    /// </summary>
    public async ValueTask<int> CountAsync(CancellationToken cancellationToken)
    {
        using var bounded = Bounded(cancellationToken);
        await _consumer.RefreshAsync(bounded.Token).ConfigureAwait(false);
        return (int)Math.Min(int.MaxValue, (long)_consumer.Info.NumPending + _getters.HeldCount);
    }

    /// <summary>Stops this process's gets.</summary>
    public ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        return _getters.DisposeAsync();
    }

    /// <summary>
    /// Closes the queue for every process: records it and announces it on the state subject. A server slow to
    /// acknowledge (a loaded machine, a pool of threads still growing) is asked again for up to 5 s (a second record
    /// of the close changes nothing); one that stays away fails the close.
    /// </summary>
    public async ValueTask CloseAsync()
    {
        _closed = true;
        _getters.EndWaits();
        long until = Environment.TickCount64 + (long)s_closePatience.TotalMilliseconds;
        while (true)
        {
            try
            {
                using var bounded = Bounded(CancellationToken.None);
                await _js.PublishAsync<ReadOnlyMemory<byte>>(_streams.StateSubject, ReadOnlyMemory<byte>.Empty, cancellationToken: bounded.Token).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (IsServerAway(ex) && Environment.TickCount64 < until)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
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

    private static StreamConfig Counter(string name, string subject, string description, NatsTransportOptions transport) => new(name, [subject])
    {
        Description = description,
        Retention = StreamConfigRetention.Limits,
        MaxMsgs = 1,
        Discard = StreamConfigDiscard.Old,
        Storage = StreamConfigStorage.File,
        NumReplicas = transport.Replicas,
        DuplicateWindow = DuplicateWindow,
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
