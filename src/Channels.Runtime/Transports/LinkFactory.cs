using System.Net.Sockets;
using Channels.Contracts;
using Channels.Wire;

using Channels.Transports;

namespace Channels;

/// <summary>Makes links for generated contracts: pipes, listeners and connections.</summary>
internal static class LinkFactory
{
    public static (TOpener, TPeer) CreatePipe<TOpener, TPeer>(LinkContract<TOpener, TPeer> contract, ChannelOptions options)
        where TOpener : class, IAsyncDisposable where TPeer : class, IAsyncDisposable
    {
        CheckOptions(options);
        (ChannelLink opener, ChannelLink peer) = ChannelLink.CreatePipe(contract.Descriptor, options);
        return (contract.NewOpener(opener), contract.NewPeer(peer));
    }

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
        byte[] key = KeyResolver.ForConnector(address, options);
        Socket socket = await UnixSockets.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
        try
        {
            HandshakeHello remote;
            using (var stream = new NetworkStream(socket, ownsSocket: false))
            {
                remote = await Handshake.RunAsync(stream, contract.Descriptor, LinkRole.Peer, options, key, address.Display, cancellationToken).ConfigureAwait(false);
            }
            var link = new ChannelLink(contract.Descriptor, LinkRole.Peer, options);
            link.AttachSocket(socket, remote);
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

    /// <summary>Rejects options whose limits make no sense, before anything is created from them.</summary>
    public static void CheckOptions(ChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxFrameSize < FrameLayout.MinimumMaxFrameSize)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxFrameSize, $"ChannelOptions.MaxFrameSize must be at least {FrameLayout.MinimumMaxFrameSize} bytes.");
        if (options.LaneWindowMessages < 1 || options.LaneWindowBytes < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"ChannelOptions.LaneWindowMessages ({options.LaneWindowMessages}) and LaneWindowBytes ({options.LaneWindowBytes}) must be positive.");
        if (options.MaxPendingHandshakes < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxPendingHandshakes, "ChannelOptions.MaxPendingHandshakes must be at least 1.");
        if (options.HandshakeTimeout <= TimeSpan.Zero || options.PeerTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), "ChannelOptions.HandshakeTimeout and PeerTimeout must be positive.");
    }
}
