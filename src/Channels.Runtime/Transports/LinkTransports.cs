using System.Net.Sockets;
using Channels.Transports.SharedMemory;
using Channels.Transports.UnixSocket;
using Channels.Wire;

namespace Channels.Transports;

/// <summary>
/// Chooses what carries a link once its handshake over a Unix socket is done: the remote transport's own when it
/// made the socket (<see cref="IRemoteTransport.TakeOverLink"/>), shared memory when both ends offered it
/// (<see cref="HandshakeHello.OffersSharedMemory"/>), else a private socket pair the opener hands over
/// (<see cref="PrivateSocketPair"/>). The one place every accept and
/// connect path goes through after the handshake.
/// </summary>
internal static class LinkTransports
{
    /// <summary>Whether this end offers shared memory in its handshake.</summary>
    public static bool OffersSharedMemory(ChannelOptions options) => options.UseSharedMemory && !options.SocketOnly && SharedMemoryTransport.IsSupported;

    /// <summary>The transport of a link whose handshake over <paramref name="socket"/> succeeded; it owns the socket.</summary>
    /// <exception cref="ProtocolException">Both offered shared memory, but the opener did not hand over a valid segment.</exception>
    /// <exception cref="IOException">The shared memory could not be created or handed over.</exception>
    public static async ValueTask<ILinkTransport> AfterHandshakeAsync(Socket socket, LinkRole role, HandshakeHello remote, ChannelOptions options, CancellationToken cancellationToken)
    {
        // A remote endpoint's link: its transport (NATS) carries the frames itself from here on.
        if (options.SocketOnly && RemoteTransports.TakeOverLink(socket) is { } remoteLink)
            return remoteLink;
        bool sharedMemory = OffersSharedMemory(options) && remote.OffersSharedMemory;
        // Named by the handshake's socket: the link's own socket pair is created by the opener, so the kernel names the
        // opener as the process at both of its ends.
        int? peerProcessId = sharedMemory ? null : PeerProcess.IdOf(socket);
        if (role == LinkRole.Opener)
        {
            return sharedMemory
                ? SharedMemoryTransport.Create(socket, options.SharedMemoryWait)
                : new UnixSocketTransport(PrivateSocketPair.HandOver(socket), peerProcessId);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.HandshakeTimeout);
        return sharedMemory
            ? await SharedMemoryTransport.AcceptAsync(socket, options.SharedMemoryWait, timeout.Token).ConfigureAwait(false)
            : new UnixSocketTransport(await PrivateSocketPair.TakeOverAsync(socket, timeout.Token).ConfigureAwait(false), peerProcessId);
    }
}
