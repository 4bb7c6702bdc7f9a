using System.Net.Sockets;
using Channels.Contracts;
using Channels.Transports.UnixSocket;
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
            key = RemoteKey(endpoint, options);
            socket = await transport.ConnectLinkAsync(endpoint, options, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            EndpointAddress address = EndpointAddress.Resolve(endpoint, options);
            key = KeyFor(address, options);
            try
            {
                socket = await UnixSockets.ConnectAsync(address.SocketPath, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                throw new IOException($"Cannot connect to endpoint '{address.Display}' at '{address.SocketPath}': {ex.Message}. Is a listener running?", ex);
            }
        }
        try
        {
            HandshakeHello remote;
            using (var stream = new NetworkStream(socket, ownsSocket: false))
            {
                remote = await Handshake.RunAsync(stream, contract.Descriptor, LinkRole.Peer, options, key, endpoint, cancellationToken).ConfigureAwait(false);
            }
            var link = new ChannelLink(contract.Descriptor, LinkRole.Peer, options);
            link.AttachTransport(new UnixSocketTransport(socket), remote);
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

    /// <summary>
    /// Listens at a remote endpoint: a listener on a private socket of the runtime directory accepts the links that
    /// the transport carries there, so accepting, the handshake and the key check are the local listener's own.
    /// </summary>
    private static ChannelListener<TOpener> ListenRemote<TOpener, TPeer>(LinkContract<TOpener, TPeer> contract, IRemoteTransport transport, string endpoint, ChannelOptions options)
        where TOpener : class, IAsyncDisposable where TPeer : class, IAsyncDisposable
    {
        RemoteKey(endpoint, options);
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

    /// <summary>The key of a remote endpoint: only <see cref="ChannelOptions.Key"/> (no key file reaches another machine).</summary>
    private static byte[] RemoteKey(string endpoint, ChannelOptions options)
        => options.Key is { Length: > 0 } key
            ? key.ToArray()
            : throw new AuthenticationFailedException($"Endpoint '{endpoint}' is remote; both ends need the same key in ChannelOptions.Key.");

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
        if (options.HandshakeTimeout <= TimeSpan.Zero || options.PeerTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), "ChannelOptions.HandshakeTimeout and PeerTimeout must be positive.");
    }
}
