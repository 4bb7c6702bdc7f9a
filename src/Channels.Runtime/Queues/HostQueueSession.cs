using System.Buffers;
using System.Net.Sockets;
using Channels.Contracts;
using Channels.Queues;
using Channels.Transports;
using Channels.Wire;

namespace Channels;

/// <summary>
/// The queues of a contract hosted in this process: a listening socket at the named endpoint (socket 0600 in the
/// 0700 runtime directory, key file 0600 beside it), one <see cref="HostQueue{T}"/> per lane, and one
/// <see cref="QueueConnection"/> per client that passed the handshake. A client that breaks the protocol is
/// disconnected (its unfinished items are delivered again); the host and the other clients carry on.
/// </summary>
internal sealed class HostQueueSession : QueueSession, IQueueFrameHandler
{
    private readonly EndpointAddress _address;
    private readonly ChannelOptions _options;
    private readonly byte[] _key;
    private readonly Socket _listener;
    private readonly IHostedLane?[] _lanes;
    private readonly HashSet<QueueConnection> _clients = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task _acceptLoop = Task.CompletedTask;
    private int _disposed;

    private HostQueueSession(ContractDescriptor contract, EndpointAddress address, ChannelOptions options, byte[] key, Socket listener)
        : base(contract)
    {
        _address = address;
        _options = options;
        _key = key;
        _listener = listener;
        _lanes = new IHostedLane?[contract.Lanes.Count];
    }

    /// <summary>The connected clients (for tests).</summary>
    internal int ClientCount
    {
        get { lock (_clients) return _clients.Count; }
    }

    /// <summary>Binds the endpoint and writes its key file; <see cref="Start"/> begins accepting.</summary>
    public static HostQueueSession Create(ContractDescriptor contract, string endpoint, ChannelOptions options)
    {
        var address = EndpointAddress.Resolve(endpoint, options);
        (byte[] key, bool writesKeyFile) = KeyResolver.ForListener(address, options);
        Socket listener = UnixSockets.Bind(address.SocketPath, endpoint);
        try
        {
            if (writesKeyFile) KeyFile.Write(address.KeyPath!, key);
        }
        catch
        {
            listener.Dispose();
            UnixSockets.TryDelete(address.SocketPath);
            throw;
        }
        return new HostQueueSession(contract, address, options, key, listener);
    }

    public override ProcessQueue<T> GetQueue<T>(int lane, ILaneCodec<T> codec)
    {
        CheckLane(Contract, lane);
        ArgumentNullException.ThrowIfNull(codec);
        if (_lanes[lane] is HostQueue<T> existing) return new ProcessQueue<T>(existing);
        int capacity = Contract.Lanes[lane].QueueCapacity;
        var queue = new HostQueue<T>(QueueName(Contract, lane), lane, capacity, codec);
        _lanes[lane] = queue;
        return new ProcessQueue<T>(queue);
    }

    /// <summary>Starts accepting clients; called once the typed endpoint exists, so every lane is registered.</summary>
    public void Start() => _acceptLoop = Task.Run(AcceptLoopAsync);

    internal override (string Endpoint, byte[] Key) GetChildTicket() => (_address.Uri, _key);

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stopping.Cancel();
        _listener.Dispose();
        try { await _acceptLoop.ConfigureAwait(false); } catch (OperationCanceledException) { }
        UnixSockets.TryDelete(_address.SocketPath);
        UnixSockets.TryDelete(_address.KeyPath);
        QueueConnection[] clients;
        lock (_clients) clients = [.. _clients];
        foreach (var client in clients) client.Close(null);
        var disposed = new ObjectDisposedException(Contract.Name, $"The queue host of contract '{Contract.Name}' at '{_address.Display}' was disposed.");
        foreach (var lane in _lanes) lane?.Shutdown(disposed);
        _stopping.Dispose();
    }

    void IQueueFrameHandler.OnFrame(QueueConnection connection, int lane, QueueFrameKind kind, in ReadOnlySequence<byte> payload)
    {
        if ((uint)lane >= (uint)_lanes.Length || _lanes[lane] is not { } target)
            throw new ProtocolException($"Queue host '{Contract.Name}': client {connection.Id} sent a frame for lane {lane}; the contract has {_lanes.Length} lanes.");
        target.OnFrame(connection, kind, in payload);
    }

    void IQueueFrameHandler.OnClosed(QueueConnection connection, Exception? error)
    {
        lock (_clients) _clients.Remove(connection);
        foreach (var lane in _lanes) lane?.OnDisconnect(connection);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stopping.IsCancellationRequested) return;
                continue;
            }
            _ = AdmitAsync(socket);
        }
    }

    // A client that fails the handshake (wrong key, other contract, garbage) is dropped here, before it can send frames.
    private async Task AdmitAsync(Socket socket)
    {
        try
        {
            using (var stream = new NetworkStream(socket, ownsSocket: false))
            {
                await Handshake.RunAsync(stream, Contract, LinkRole.Opener, _options, _key, _address.Display, _stopping.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is ChannelsException or TimeoutException or OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            socket.Dispose();
            return;
        }
        var connection = new QueueConnection(socket, _options.MaxFrameSize, _lanes.Length);
        lock (_clients)
        {
            if (_disposed != 0)
            {
                socket.Dispose();
                return;
            }
            _clients.Add(connection);
        }
        connection.Start(this);
    }
}
