using Channels.Diagnostics;
using Channels.Queues;
using Channels.Transports;

namespace Channels.Contracts;

/// <summary>
/// The runtime's view of a queue contract, implemented by generated code (one sealed subclass per contract,
/// exposed as the contract's static <c>Definition</c>).
/// </summary>
/// <typeparam name="TContract">The queue contract interface.</typeparam>
public abstract class QueueContract<TContract> where TContract : class, IAsyncDisposable
{
    /// <summary>Creates the contract with its descriptor (lanes carry their <see cref="LaneDescriptor.QueueCapacity"/>).</summary>
    protected QueueContract(ContractDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        foreach (var lane in descriptor.Lanes)
        {
            if (lane.QueueCapacity < 0)
                throw new ArgumentException($"Queue '{descriptor.Name}.{lane.Name}' has capacity {lane.QueueCapacity}; it must be 0 (unbounded) or more.", nameof(descriptor));
        }
        Descriptor = descriptor;
    }

    /// <summary>The contract's name, fingerprint and lanes.</summary>
    public ContractDescriptor Descriptor { get; }

    /// <summary>Creates the typed endpoint over a session (hosted here or opened remotely).</summary>
    protected abstract TContract CreateEndpoint(QueueSession session);

    // Reached through this so that generated overrides are plain protected in every assembly (see LinkContract).
    internal TContract NewEndpoint(QueueSession session) => CreateEndpoint(session);

    /// <summary>
    /// Hosts the contract's queues in this process under <paramref name="name"/> (a plain name, resolved in the
    /// per-user runtime directory with a key file of mode 0600 beside the socket, or <c>"unix:/path.sock"</c> with
    /// <see cref="ChannelOptions.Key"/>); other processes <see cref="Open"/> them. The items live in one shared
    /// segment per queue (mode 0600, beside the socket). This process can put and get too. Disposing the returned
    /// endpoint ends the queues for every process and removes the socket, key and segment files.
    /// </summary>
    /// <exception cref="IOException">Another host is alive at the endpoint.</exception>
    /// <exception cref="ArgumentException">The endpoint is not a valid name or path, or a <c>unix:</c> path comes without a key.</exception>
    public TContract Create(string name, ChannelOptions? options = null)
    {
        if (RemoteTransports.TryResolve(name, out IRemoteTransport? remote))
            return OpenRemoteAsync(remote, name, create: true, options, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        var session = HostQueueSession.Create(Descriptor, name, options ?? ChannelOptions.Default);
        try
        {
            TContract endpoint = CreateEndpoint(session);
            session.Start();
            if (ChannelsLog.For(options ?? ChannelOptions.Default) is { } logger)
                ChannelsLog.QueueHosted(logger, Descriptor.Name, name);
            return endpoint;
        }
        catch
        {
            session.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>Opens queues hosted by another process, blocking until connected; see <see cref="OpenAsync"/>.</summary>
    public TContract Open(string name, ChannelOptions? options = null, CancellationToken cancellationToken = default)
        => OpenAsync(name, options, cancellationToken).AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// Opens queues hosted by another process at <paramref name="name"/>: connects, checks that both sides have the
    /// same contract (name, item types, capacities and redelivery, through the schema fingerprint), proves the key,
    /// and maps the queues' shared segments.
    /// </summary>
    /// <exception cref="EndpointNotFoundException">No host serves the endpoint (never created, or ended).</exception>
    /// <exception cref="ContractMismatchException">The host serves another contract, or this one with different item types, capacities or redelivery.</exception>
    /// <exception cref="AuthenticationFailedException">The key was refused.</exception>
    public async ValueTask<TContract> OpenAsync(string name, ChannelOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (RemoteTransports.TryResolve(name, out IRemoteTransport? remote))
            return await OpenRemoteAsync(remote, name, create: false, options, cancellationToken).ConfigureAwait(false);
        var session = await MemberQueueSession.OpenAsync(Descriptor, name, options ?? ChannelOptions.Default, cancellationToken).ConfigureAwait(false);
        try
        {
            TContract endpoint = CreateEndpoint(session);
            session.Start();
            if (ChannelsLog.For(options ?? ChannelOptions.Default) is { } logger)
                ChannelsLog.QueueOpened(logger, Descriptor.Name, name);
            return endpoint;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Queues at a remote endpoint (<c>nats://...</c>): the transport's session, live once it is returned.</summary>
    private async ValueTask<TContract> OpenRemoteAsync(IRemoteTransport transport, string endpoint, bool create, ChannelOptions? options, CancellationToken cancellationToken)
    {
        QueueSession session = await transport.OpenQueuesAsync(Descriptor, endpoint, create, options ?? ChannelOptions.Default, cancellationToken).ConfigureAwait(false);
        try
        {
            return CreateEndpoint(session);
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
