using System.Buffers;
using System.Net.Sockets;
using Channels.Contracts;
using Channels.Queues;
using Channels.Transports;
using Channels.Wire;

namespace Channels;

/// <summary>
/// The queues of a contract hosted by another process, opened over one connection that carries every lane.
/// A timer gives back put room that went unused, so an idle producer does not keep capacity from the others.
/// </summary>
internal sealed class ClientQueueSession : QueueSession, IQueueFrameHandler
{
    private static readonly TimeSpan TickPeriod = TimeSpan.FromMilliseconds(100);

    private readonly string _endpoint;
    private readonly byte[] _key;
    private readonly ChannelOptions _options;
    private readonly QueueConnection _connection;
    private readonly IClientLane?[] _lanes;
    private Timer? _timer;
    private int _disposed;

    private ClientQueueSession(ContractDescriptor contract, string endpoint, byte[] key, ChannelOptions options, QueueConnection connection)
        : base(contract)
    {
        _endpoint = endpoint;
        _key = key;
        _options = options;
        _connection = connection;
        _lanes = new IClientLane?[contract.Lanes.Count];
    }

    /// <summary>Connects to the host at <paramref name="endpoint"/> and runs the handshake.</summary>
    /// <exception cref="ContractMismatchException">The host serves another contract, or this one with other item types or capacities.</exception>
    /// <exception cref="AuthenticationFailedException">The key was refused, or there is no key.</exception>
    /// <exception cref="EndpointNotFoundException">Nothing listens at the endpoint.</exception>
    public static async ValueTask<ClientQueueSession> ConnectAsync(ContractDescriptor contract, string endpoint, ChannelOptions options, CancellationToken cancellationToken)
    {
        var address = EndpointAddress.Resolve(endpoint, options);
        byte[] key = KeyResolver.ForConnector(address, options);
        Socket socket = await UnixSockets.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
        try
        {
            using (var stream = new NetworkStream(socket, ownsSocket: false))
            {
                await Handshake.RunAsync(stream, contract, LinkRole.Peer, options, key, endpoint, cancellationToken).ConfigureAwait(false);
            }
            var connection = new QueueConnection(socket, options.MaxFrameSize, contract.Lanes.Count);
            return new ClientQueueSession(contract, address.Uri, key, options, connection);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public override ProcessQueue<T> GetQueue<T>(int lane, ILaneCodec<T> codec)
    {
        CheckLane(Contract, lane);
        ArgumentNullException.ThrowIfNull(codec);
        if (_lanes[lane] is ClientQueue<T> existing) return new ProcessQueue<T>(existing);
        var queue = new ClientQueue<T>(QueueName(Contract, lane), lane, Contract.Lanes[lane].QueueCapacity, codec, _connection, _options);
        _lanes[lane] = queue;
        return new ProcessQueue<T>(queue);
    }

    /// <summary>Starts receiving; called once the typed endpoint exists, so every lane is registered.</summary>
    public void Start()
    {
        _connection.Start(this);
        _timer = new Timer(static state => ((ClientQueueSession)state!).Tick(), this, TickPeriod, TickPeriod);
    }

    internal override (string Endpoint, byte[] Key) GetChildTicket() => (_endpoint, _key);

    /// <summary>Breaks the connection without a goodbye, as a crash would (tests).</summary>
    internal void Abort() => _connection.Close(new ObjectDisposedException(Contract.Name));

    /// <summary>Sends raw bytes to the host (tests of malformed input).</summary>
    internal void SendRaw(ReadOnlySpan<byte> bytes) => _connection.WriteRaw(bytes);

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_timer is not null) await _timer.DisposeAsync().ConfigureAwait(false);
        // Settle what was sent (TaskDone, takes) before the host sees the connection end.
        await _connection.FlushAndCloseAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
    }

    void IQueueFrameHandler.OnFrame(QueueConnection connection, int lane, QueueFrameKind kind, in ReadOnlySequence<byte> payload)
    {
        if ((uint)lane >= (uint)_lanes.Length || _lanes[lane] is not { } target)
            throw new ProtocolException($"Queue client of '{Contract.Name}': the host sent a frame for lane {lane}; the contract has {_lanes.Length} lanes.");
        target.OnFrame(kind, in payload);
    }

    void IQueueFrameHandler.OnClosed(QueueConnection connection, Exception? error)
    {
        Exception fault = _disposed != 0
            ? new ObjectDisposedException(Contract.Name, "The queue session was disposed.")
            : error ?? new PeerLostException($"The queue host of contract '{Contract.Name}' at '{_endpoint}' closed the connection.");
        foreach (var lane in _lanes) lane?.Fault(fault);
    }

    private void Tick()
    {
        foreach (var lane in _lanes) lane?.OnTick();
    }
}
