using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Channels.Contracts;
using Channels.Nats.Links;
using Channels.Nats.Queues;
using Channels.Transports;
using NATS.Client.Core;

namespace Channels.Nats;

/// <summary>
/// The <c>nats://</c> transport. The runtime loads this package the first time it meets a <c>nats://</c> endpoint
/// and this module's initializer registers the transport: user code changes nothing but the endpoint string.
/// </summary>
internal sealed class NatsTransport : IRemoteTransport
{
    private static readonly NatsTransport s_instance = new();

#pragma warning disable CA2255 // A library initializer is the point: the runtime loads this package by name and runs it.
    [ModuleInitializer]
    internal static void Register() => RemoteTransports.Register(NatsEndpoint.Scheme, s_instance);
#pragma warning restore CA2255

    public LaneWindow DefaultLaneWindow(ChannelOptions options)
    {
        NatsTransportOptions nats = NatsTransportOptions.From(options);
        return new LaneWindow(nats.LaneWindowMessages, nats.LaneWindowBytes);
    }

    public async ValueTask<Socket> ConnectLinkAsync(string endpoint, ChannelOptions options, CancellationToken cancellationToken)
    {
        NatsEndpoint address = NatsEndpoint.Parse(endpoint);
        NatsConnection connection = await NatsConnections.ConnectAsync(address, options, cancellationToken).ConfigureAwait(false);
        var shared = new SharedConnection(connection);
        LinkInbox? inbox = null;
        try
        {
            string id = LinkSubjects.NewId();
            // The inbox exists before the listener learns of it, so none of its first bytes can be missed.
            inbox = await LinkInbox.SubscribeAsync(connection, LinkSubjects.PeerInbox(address.Name, id)).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.HandshakeTimeout);
            NatsMsg<string> reply;
            try
            {
                reply = await connection.RequestAsync<string, string>(LinkSubjects.Listen(address.Name), id, cancellationToken: timeout.Token).ConfigureAwait(false);
            }
            catch (NatsNoRespondersException ex)
            {
                throw new IOException($"Cannot connect to endpoint '{address.Display}': no listener there. Is a listener running?", ex);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new IOException($"Cannot connect to endpoint '{address.Display}': the listener did not answer within {options.HandshakeTimeout.TotalSeconds:0.###} s (ChannelOptions.HandshakeTimeout).", ex);
            }
            if (reply.Data != "ok")
                throw new IOException($"Cannot connect to endpoint '{address.Display}': the listener refused the link.");
            // The connector's handshake runs on one end exactly as over a local socket; NatsLink carries the other
            // end's bytes over NATS until the handshake is done.
            (Socket link, Socket bridge) = Channels.Transports.UnixSocket.SocketNative.SocketPair();
            NatsLink.Start(shared, inbox, LinkSubjects.OpenerInbox(address.Name, id), bridge, link, "NATS (" + address.Display + ")");
            await shared.ReleaseAsync(null).ConfigureAwait(false);
            return link;
        }
        catch
        {
            if (inbox is not null)
                await inbox.DisposeAsync().ConfigureAwait(false);
            await shared.ReleaseAsync(null).ConfigureAwait(false);
            throw;
        }
    }

    public ILinkTransport? TakeOverLink(Socket socket) => PendingLinks.Take(socket)?.TakeOver(socket);

    public IAsyncDisposable ServeLinks(string endpoint, string localSocketPath, ChannelOptions options)
        => NatsLinkServer.StartAsync(NatsEndpoint.Parse(endpoint), localSocketPath, options, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public async ValueTask<QueueSession> OpenQueuesAsync(ContractDescriptor contract, string endpoint, bool create, ChannelOptions options, CancellationToken cancellationToken)
        => await NatsQueueSession.OpenAsync(contract, NatsEndpoint.Parse(endpoint), create, options, cancellationToken).ConfigureAwait(false);
}
