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
        return (contract.NewOpener(opener), contract.NewPeer(peer));
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
        EndpointAddress address = EndpointAddress.Resolve(endpoint, options);
        return ChannelListener<TOpener>.Start(contract.Descriptor, link => contract.NewOpener(link), address, options);
    }

    public static async ValueTask<TPeer> ConnectAsync<TOpener, TPeer>(LinkContract<TOpener, TPeer> contract, string endpoint, ChannelOptions options, CancellationToken cancellationToken)
        where TOpener : class, IAsyncDisposable where TPeer : class, IAsyncDisposable
    {
        CheckOptions(options);
        EndpointAddress address = EndpointAddress.Resolve(endpoint, options);
        byte[] key = KeyFor(address, options);
        Socket socket;
        try
        {
            socket = await UnixSockets.ConnectAsync(address.SocketPath, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            throw new IOException($"Cannot connect to endpoint '{address.Display}' at '{address.SocketPath}': {ex.Message}. Is a listener running?", ex);
        }
        try
        {
            HandshakeHello remote;
            using (var stream = new NetworkStream(socket, ownsSocket: false))
            {
                remote = await Handshake.RunAsync(stream, contract.Descriptor, LinkRole.Peer, options, key, address.Display, cancellationToken).ConfigureAwait(false);
            }
            var link = new ChannelLink(contract.Descriptor, LinkRole.Peer, options);
            link.AttachTransport(await LinkTransports.AfterHandshakeAsync(socket, LinkRole.Peer, remote, options, cancellationToken).ConfigureAwait(false), remote);
            TPeer peer = contract.NewPeer(link);
            link.Start();
            return peer;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The key of an endpoint: the options' key, else (for a named endpoint) its key file.</summary>
    public static byte[] KeyFor(EndpointAddress address, ChannelOptions options)
    {
        if (options.Key is { Length: > 0 } key)
            return key.ToArray();
        if (address.KeyPath is null)
            throw new AuthenticationFailedException($"Endpoint '{address.Display}' is an explicit socket path; it needs the listener's key in ChannelOptions.Key.");
        return KeyFile.Read(address.KeyPath, address.Display);
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
        if (options.HandshakeTimeout <= TimeSpan.Zero || options.PeerTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), "ChannelOptions.HandshakeTimeout and PeerTimeout must be positive.");
    }
}
