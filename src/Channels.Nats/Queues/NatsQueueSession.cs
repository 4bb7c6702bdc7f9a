using Channels.Contracts;
using Channels.Queues;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Channels.Nats.Queues;

/// <summary>
/// The queues of one queue contract at a <c>nats://</c> endpoint, as one process sees them: the streams live in the
/// NATS server (or cluster), so every process, the creator included, is a client, and the queues outlive it.
/// </summary>
internal sealed class NatsQueueSession : QueueSession
{
    private readonly NatsEndpoint _endpoint;
    private readonly NatsTransportOptions _transport;
    private readonly NatsConnection _connection;
    private readonly JetStreamQueue[] _queues;
    private readonly INatsSub<NatsMemoryOwner<byte>>[] _stateSubscriptions;
    private readonly JetStreamEngine[] _engines;
    private readonly object?[] _lanes;

    private NatsQueueSession(ContractDescriptor contract, NatsEndpoint endpoint, NatsTransportOptions transport, NatsConnection connection, JetStreamQueue[] queues, INatsSub<NatsMemoryOwner<byte>>[] stateSubscriptions)
        : base(contract)
    {
        _endpoint = endpoint;
        _transport = transport;
        _connection = connection;
        _queues = queues;
        _stateSubscriptions = stateSubscriptions;
        _lanes = new object?[queues.Length];
        _engines = Array.ConvertAll(queues, static queue => new JetStreamEngine(queue));
        for (int i = 0; i < stateSubscriptions.Length; i++)
            _ = WatchClosedAsync(stateSubscriptions[i], queues[i]);
    }

    public static async ValueTask<NatsQueueSession> OpenAsync(ContractDescriptor contract, NatsEndpoint endpoint, bool create, ChannelOptions options, CancellationToken cancellationToken)
    {
        NatsTransportOptions transport = NatsTransportOptions.From(options);
        if (options.Transport is null && options.Key is { } key && NatsChildTicket.IsTicket(key.Span))
            (endpoint, transport) = FromTicket(endpoint, key.Span);
        NatsConnection connection = await NatsConnections.ConnectAsync(endpoint, transport, cancellationToken).ConfigureAwait(false);
        var subscriptions = new List<INatsSub<NatsMemoryOwner<byte>>>();
        try
        {
            var js = new NatsJSContext(connection);
            var queues = new JetStreamQueue[contract.Lanes.Count];
            for (int lane = 0; lane < queues.Length; lane++)
            {
                // Listening first: a close announced while the queue opens is not missed.
                var queueStreams = QueueStreams.For(endpoint.Name, contract.Lanes[lane].Name);
                subscriptions.Add(await connection.SubscribeCoreAsync<NatsMemoryOwner<byte>>(queueStreams.StateSubject, cancellationToken: cancellationToken).ConfigureAwait(false));
                queues[lane] = await JetStreamQueue.OpenAsync(js, contract, endpoint.Display, endpoint.Name, lane, create, transport, cancellationToken).ConfigureAwait(false);
            }
            return new NatsQueueSession(contract, endpoint, transport, connection, queues, subscriptions.ToArray());
        }
        catch
        {
            foreach (var subscription in subscriptions)
                await subscription.DisposeAsync().ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override ProcessQueue<T> GetQueue<T>(int lane, ILaneCodec<T> codec)
    {
        CheckLane(Contract, lane);
        ArgumentNullException.ThrowIfNull(codec);
        if (_lanes[lane] is ProcessQueue<T> existing)
            return existing;
        var queue = new ProcessQueue<T>(new QueueLane<T>(_engines[lane], codec));
        _lanes[lane] = queue;
        return queue;
    }

    /// <summary>
    /// A child opens the same endpoint itself, with this process's connection settings: the endpoint without
    /// credentials, and as its key the ticket (<see cref="NatsChildTicket"/>) of the server URL and the
    /// authentication and TLS options, which the child's start data carries as it carries a key.
    /// </summary>
    internal override (string Endpoint, byte[] Key) GetChildTicket() => (_endpoint.Display, NatsChildTicket.Write(_endpoint.ServerUrl, _transport.Connection));

    /// <summary>A child's endpoint and transport options, from the ticket its parent gave it as its key.</summary>
    /// <exception cref="ArgumentException">The ticket is malformed or names another server than the endpoint.</exception>
    private static (NatsEndpoint Endpoint, NatsTransportOptions Transport) FromTicket(NatsEndpoint endpoint, ReadOnlySpan<byte> ticket)
    {
        (string serverUrl, NatsOpts connection) = NatsChildTicket.Read(ticket);
        NatsEndpoint server = NatsEndpoint.Parse(serverUrl + "/" + endpoint.Name);
        if (server.Display != endpoint.Display)
            throw new ArgumentException($"The NATS connection settings handed to this child are for '{server.Display}', not for its endpoint '{endpoint.Display}'.", nameof(ticket));
        return (server, new NatsTransportOptions { Connection = connection });
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var subscription in _stateSubscriptions)
            await subscription.DisposeAsync().ConfigureAwait(false);
        foreach (JetStreamEngine engine in _engines)
            engine.Dispose();
        foreach (JetStreamQueue queue in _queues)
            await queue.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task WatchClosedAsync(INatsSub<NatsMemoryOwner<byte>> subscription, JetStreamQueue queue)
    {
        try
        {
            await foreach (NatsMsg<NatsMemoryOwner<byte>> message in subscription.Msgs.ReadAllAsync().ConfigureAwait(false))
            {
                message.Data.Dispose();
                queue.OnClosed();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or NatsException)
        {
            // Session closed.
        }
    }
}
