using System.Net.Sockets;
using Channels.Contracts;
using Channels.Transports;

namespace Channels.Queues;

/// <summary>
/// The queues of a contract hosted by another process, joined over the internal <see cref="QueueControlContract"/>
/// link: the host's welcome names this member's slot and each lane's segment, which this process maps and then
/// uses directly. The link stays open only to watch the host: when it ends (host exited, killed, or silent for
/// <see cref="ChannelOptions.PeerTimeout"/>), every pending and later operation ends with <see cref="PeerLostException"/>.
/// </summary>
internal sealed class MemberQueueSession : QueueSession
{
    private readonly string _endpoint;
    private readonly byte[] _key;
    private readonly QueueControlLink _link;
    private readonly SharedQueueEngine[] _engines;
    private readonly object?[] _queues;
    private Task _watch = Task.CompletedTask;
    private int _disposed;

    private MemberQueueSession(ContractDescriptor contract, string endpoint, byte[] key, QueueControlLink link, SharedQueueEngine[] engines)
        : base(contract)
    {
        _endpoint = endpoint;
        _key = key;
        _link = link;
        _engines = engines;
        _queues = new object?[engines.Length];
    }

    /// <summary>Connects to the host at <paramref name="endpoint"/>, joins and maps the segments.</summary>
    /// <exception cref="EndpointNotFoundException">No host serves the endpoint.</exception>
    /// <exception cref="ContractMismatchException">The host serves another contract, or this one with other item types, capacities or redelivery.</exception>
    /// <exception cref="AuthenticationFailedException">The key was refused.</exception>
    public static async ValueTask<MemberQueueSession> OpenAsync(ContractDescriptor contract, string endpoint, ChannelOptions options, CancellationToken cancellationToken)
    {
        LinkFactory.CheckOptions(options);
        var address = EndpointAddress.Resolve(endpoint, options);
        string directory = Path.GetDirectoryName(address.SocketPath)!;
        if (!File.Exists(address.SocketPath))
            throw NotFound(address, directory, null);
        QueueControlLink link;
        try
        {
            link = await LinkFactory.ConnectAsync(new QueueControlContract(contract), endpoint, options, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex) when (ex.InnerException is SocketException or FileNotFoundException || !File.Exists(address.SocketPath))
        {
            throw NotFound(address, directory, ex);
        }
        catch (AuthenticationFailedException ex) when (address.KeyPath is not null && !File.Exists(address.KeyPath))
        {
            throw NotFound(address, directory, ex);
        }
        var engines = new SharedQueueEngine[contract.Lanes.Count];
        try
        {
            await link.MemberWriter.WriteAsync(Environment.ProcessId, cancellationToken).ConfigureAwait(false);
            QueueWelcome welcome = await ReadWelcomeAsync(link, contract, address, options, cancellationToken).ConfigureAwait(false);
            if (welcome.Segments.Length != engines.Length)
                throw new ProtocolException($"The queue host at '{address.Display}' sent {welcome.Segments.Length} segments for contract '{contract.Name}' of {engines.Length} lanes.");
            for (int lane = 0; lane < engines.Length; lane++)
            {
                LaneDescriptor descriptor = contract.Lanes[lane];
                engines[lane] = SharedQueueEngine.OpenMember(welcome.Segments[lane], welcome.Slot, QueueName(contract, lane),
                    descriptor.QueueCapacity, descriptor.QueueRedeliver, contract.Fingerprint);
            }
            return new MemberQueueSession(contract, address.Uri, LinkFactory.KeyFor(address, options), link, engines);
        }
        catch
        {
            foreach (var engine in engines) engine?.Dispose();
            await link.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override ProcessQueue<T> GetQueue<T>(int lane, ILaneCodec<T> codec)
    {
        CheckLane(Contract, lane);
        ArgumentNullException.ThrowIfNull(codec);
        if (_queues[lane] is ProcessQueue<T> existing) return existing;
        var queue = new ProcessQueue<T>(new QueueLane<T>(_engines[lane], codec));
        _queues[lane] = queue;
        return queue;
    }

    /// <summary>Starts watching the host; called once the typed endpoint exists.</summary>
    public void Start() => _watch = WatchHostAsync();

    internal override (string Endpoint, byte[] Key) GetChildTicket() => (_endpoint, _key);

    /// <summary>Leaves: the host settles or puts back what this process got and did not settle.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var engine in _engines) engine.Dispose();
        await _link.DisposeAsync().ConfigureAwait(false);
        await _watch.ConfigureAwait(false);
    }

    private async Task WatchHostAsync()
    {
        string reason;
        try
        {
            while (await _link.WelcomeReader.WaitToReadAsync().ConfigureAwait(false))
                _link.WelcomeReader.TryRead(out _);
            reason = "it closed the queues";
        }
        catch (Exception ex)
        {
            reason = ex.Message;
        }
        if (_disposed != 0) return;
        var lost = new PeerLostException($"The host of queue contract '{Contract.Name}' at '{_endpoint}' is gone: {reason}");
        foreach (var engine in _engines) engine.Fail(lost);
    }

    private static async ValueTask<QueueWelcome> ReadWelcomeAsync(QueueControlLink link, ContractDescriptor contract, EndpointAddress address, ChannelOptions options, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.HandshakeTimeout);
        try
        {
            return await link.WelcomeReader.ReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The queue host of '{contract.Name}' at '{address.Display}' sent no welcome within {options.HandshakeTimeout.TotalSeconds:0.###} s.");
        }
        catch (System.Threading.Channels.ChannelClosedException ex)
        {
            throw new ChannelsException($"The queue host of '{contract.Name}' at '{address.Display}' closed the link before welcoming this process (it admits at most {QueueSegmentLayout.MemberSlots - 1} members at once).", ex);
        }
    }

    private static EndpointNotFoundException NotFound(EndpointAddress address, string directory, Exception? cause)
    {
        string message = $"No queue host serves endpoint '{address.Display}': nothing listens at '{address.SocketPath}' (looked in directory '{directory}'). Create the queues first, in the hosting process, with the contract's Create(\"{address.Display}\").";
        return cause is null ? new EndpointNotFoundException(message) : new EndpointNotFoundException(message, cause);
    }
}
