using System.Net.Sockets;
using Channels.Contracts;

namespace Channels.Transports;

/// <summary>
/// A transport that reaches other machines, served by its own package and chosen by the endpoint's scheme
/// (<c>"nats://host:4222/worker-1"</c> by Channels.Nats). Links over it carry the same handshake and frames as over
/// a Unix socket: the transport only moves a link's bytes, so lanes, credit, completion, faults, pings and the
/// contract and key checks are the runtime's own.
/// </summary>
internal interface IRemoteTransport
{
    /// <summary>
    /// The lane window a link over this transport announces where <see cref="ChannelOptions.LaneWindowMessages"/> or
    /// <see cref="ChannelOptions.LaneWindowBytes"/> is not set: a lane moves at most one window per credit round trip,
    /// and a round trip through a server, past its buffers and the kernel's on both sides, is far longer than one over
    /// a local socket.
    /// </summary>
    LaneWindow DefaultLaneWindow(ChannelOptions options);

    /// <summary>Opens a link's byte stream to the listener at <paramref name="endpoint"/>.</summary>
    /// <exception cref="IOException">No listener answers at the endpoint.</exception>
    ValueTask<Socket> ConnectLinkAsync(string endpoint, ChannelOptions options, CancellationToken cancellationToken);

    /// <summary>
    /// Serves <paramref name="endpoint"/>: each link that arrives there is carried to a new connection to the
    /// local socket <paramref name="localSocketPath"/>, where a <see cref="ChannelListener{TOpener}"/> accepts it.
    /// Disposing the result stops serving; links under way stay open.
    /// </summary>
    IAsyncDisposable ServeLinks(string endpoint, string localSocketPath, ChannelOptions options);

    /// <summary>
    /// The transport that carries a link's frames once its handshake over <paramref name="socket"/> (a socket this
    /// transport handed out: from <see cref="ConnectLinkAsync"/>, or accepted from <see cref="ServeLinks"/>) is
    /// done, taking ownership of the socket; null to keep carrying the link over the socket.
    /// </summary>
    ILinkTransport? TakeOverLink(Socket socket);

    /// <summary>Creates (<paramref name="create"/>) or opens the queues of <paramref name="contract"/> at <paramref name="endpoint"/>.</summary>
    /// <exception cref="ContractMismatchException">Queues of another contract or shape live there.</exception>
    ValueTask<QueueSession> OpenQueuesAsync(ContractDescriptor contract, string endpoint, bool create, ChannelOptions options, CancellationToken cancellationToken);
}
