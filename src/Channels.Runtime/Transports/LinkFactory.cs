using System.Net.Sockets;
using Channels.Contracts;
using Channels.Transports.InProcess;
using Channels.Transports.UnixSocket;
using Channels.Wire;

using Channels.Transports;

namespace Channels;

/// <summary>Makes links for generated contracts: pipes, listeners and connections.</summary>
internal static class LinkFactory
{
    /// <summary>The largest lane window in messages (each reader holds a ring that long).</summary>
    public const int MaxWindowMessages = 1 << 20;

    public static (TOpener, TPeer) CreatePipe<TOpener, TPeer>(LinkContract<TOpener, TPeer> contract, ChannelOptions options)
        where TOpener : class, IAsyncDisposable where TPeer : class, IAsyncDisposable
    {
        CheckOptions(options);
        (ChannelLink opener, ChannelLink peer) = ChannelLink.CreatePipe(contract.Descriptor, options);
        (TOpener, TPeer) ends = (contract.NewOpener(opener), contract.NewPeer(peer));
        ChannelLink.BindOpenerWriters(opener, peer);
        return ends;
    }

    /// <summary>
    /// Both ends of a link in this process over the in-process transport: every message is serialized and framed as
    /// between processes (unlike <see cref="CreatePipe"/>, which hands objects across). The pattern for any transport
    /// that needs no handshake of its own: make the connected pair, attach each end with what the other announces,
    /// let the contract create the lanes, then start.
    /// </summary>
    public static (TOpener, TPeer) CreateSerializedPipe<TOpener, TPeer>(LinkContract<TOpener, TPeer> contract, ChannelOptions options)
        where TOpener : class, IAsyncDisposable where TPeer : class, IAsyncDisposable
    {
        CheckOptions(options);
        (InProcessTransport first, InProcessTransport second) = InProcessTransport.CreatePair();
        var openerLink = new ChannelLink(contract.Descriptor, LinkRole.Opener, options);
        var peerLink = new ChannelLink(contract.Descriptor, LinkRole.Peer, options);
        openerLink.AttachTransport(first, Announced(contract.Descriptor, LinkRole.Peer, options));
        peerLink.AttachTransport(second, Announced(contract.Descriptor, LinkRole.Opener, options));
        TOpener opener = contract.NewOpener(openerLink);
        TPeer peer = contract.NewPeer(peerLink);
        openerLink.Start();
        peerLink.Start();
        return (opener, peer);
    }

    private static HandshakeHello Announced(ContractDescriptor contract, LinkRole role, ChannelOptions options)
        => new(role, contract.Fingerprint, options.LaneWindowMessages, options.LaneWindowBytes, options.MaxFrameSize, [], contract.Name);

    public static ChannelListener<TOpener> Listen<TOpener, TPeer>(LinkContract<TOpener, TPeer> contract, string endpoint, ChannelOptions options)
        where TOpener : class, IAsyncDisposable where TPeer : class, IAsyncDisposable
    {
        CheckOptions(options);
        if (RemoteTransports.TryResolve(endpoint, out IRemoteTransport? remote))
            return ListenRemote(contract, remote, endpoint, options);
        EndpointAddress address = EndpointAddress.Resolve(endpoint, options);
        return ChannelListener<TOpener>.Start(contract.Descriptor, link => contract.NewOpener(link), address, options);
    }

    public static async ValueTask<TPeer> ConnectAsync<TOpener, TPeer>(LinkContract<TOpener, TPeer> contract, string endpoint, ChannelOptions options, CancellationToken cancellationToken)
        where TOpener : class, IAsyncDisposable where TPeer : class, IAsyncDisposable
    {
        CheckOptions(options);
        Socket socket;
        byte[] key;
        if (RemoteTransports.TryResolve(endpoint, out IRemoteTransport? transport))
        {
            key = KeyResolver.ForRemote(endpoint, options);
            options = options.ForRemote(transport.DefaultLaneWindow(options));
            socket = await transport.ConnectLinkAsync(endpoint, options, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            EndpointAddress address = EndpointAddress.Resolve(endpoint, options);
            key = KeyResolver.ForConnector(address, options);
            socket = await UnixSockets.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
        }
        ILinkTransport? linkTransport = null;
        try
        {
            HandshakeHello remote;
            using (var stream = new NetworkStream(socket, ownsSocket: false))
            {
                remote = await Handshake.RunAsync(stream, contract.Descriptor, LinkRole.Peer, options, key, endpoint, cancellationToken).ConfigureAwait(false);
            }
            var link = new ChannelLink(contract.Descriptor, LinkRole.Peer, options);
            linkTransport = await LinkTransports.AfterHandshakeAsync(socket, LinkRole.Peer, remote, options, cancellationToken).ConfigureAwait(false);
            link.AttachTransport(linkTransport, remote);
            TPeer peer = contract.NewPeer(link);
            link.Start();
            return peer;
        }
        catch
        {
            // The transport, once made, owns more than the socket (a shared-memory segment): close it all.
            linkTransport?.Close();
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Listens at a remote endpoint: a listener on a private socket of the runtime directory accepts the links that
    /// the transport carries there, so accepting, the handshake and the key check are the local listener's own.
    /// </summary>
    private static ChannelListener<TOpener> ListenRemote<TOpener, TPeer>(LinkContract<TOpener, TPeer> contract, IRemoteTransport transport, string endpoint, ChannelOptions options)
        where TOpener : class, IAsyncDisposable where TPeer : class, IAsyncDisposable
    {
        KeyResolver.ForRemote(endpoint, options);
        options = options.ForRemote(transport.DefaultLaneWindow(options));
        string socketPath = Path.Combine(RuntimeDirectory.Ensure(options), "remote-" + Guid.NewGuid().ToString("N") + ".sock");
        var address = new EndpointAddress(socketPath, null, endpoint);
        var listener = ChannelListener<TOpener>.Start(contract.Descriptor, link => contract.NewOpener(link), address, options);
        try
        {
            listener.Serving = transport.ServeLinks(endpoint, socketPath, options);
            return listener;
        }
        catch
        {
            listener.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>Rejects options whose limits make no sense, before anything is created from them.</summary>
    public static void CheckOptions(ChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxFrameSize < FrameLayout.MinimumMaxFrameSize)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxFrameSize, $"ChannelOptions.MaxFrameSize must be at least {FrameLayout.MinimumMaxFrameSize} bytes.");
        if (options.LaneWindowMessages < 1 || options.LaneWindowBytes < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"ChannelOptions.LaneWindowMessages ({options.LaneWindowMessages}) and LaneWindowBytes ({options.LaneWindowBytes}) must be positive.");
        // A reader keeps a ring of the whole window; past this, memory is better bounded by LaneWindowBytes.
        if (options.LaneWindowMessages > MaxWindowMessages)
            throw new ArgumentOutOfRangeException(nameof(options), options.LaneWindowMessages, $"ChannelOptions.LaneWindowMessages must be at most {MaxWindowMessages}.");
        if (options.MaxPendingHandshakes < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxPendingHandshakes, "ChannelOptions.MaxPendingHandshakes must be at least 1.");
        if (options.HandshakeTimeout <= TimeSpan.Zero || options.PeerTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), "ChannelOptions.HandshakeTimeout and PeerTimeout must be positive.");
    }
}
