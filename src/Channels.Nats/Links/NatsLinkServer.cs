using System.Net.Sockets;
using Channels.Transports;
using NATS.Client.Core;

namespace Channels.Nats.Links;

/// <summary>
/// Serves a listener's <c>nats://</c> endpoint: answers each connector's request on the endpoint's subject, opens
/// the link's inbox and connects to the local listener's socket, where the handshake checks contract and key, after
/// which the link's frames travel over NATS directly (<see cref="NatsLink"/>). One NATS connection carries the listener and its links; after a server outage NATS.Net
/// reconnects it and the listener takes new links again (links under way at the outage have ended).
/// </summary>
internal sealed class NatsLinkServer : IAsyncDisposable
{
    private readonly NatsEndpoint _endpoint;
    private readonly SharedConnection _connection;
    private readonly INatsSub<string> _requests;
    private readonly string _localSocketPath;
        private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private NatsLinkServer(NatsEndpoint endpoint, SharedConnection connection, INatsSub<string> requests, string localSocketPath)
    {
        _endpoint = endpoint;
        _connection = connection;
        _requests = requests;
        _localSocketPath = localSocketPath;
        _loop = ServeAsync();
    }

    /// <summary>How many link requests were refused (malformed, or the local listener was gone).</summary>
    internal int RefusedCount;

    public static async ValueTask<NatsLinkServer> StartAsync(NatsEndpoint endpoint, string localSocketPath, ChannelOptions options, CancellationToken cancellationToken)
    {
        NatsConnection connection = await NatsConnections.ConnectAsync(endpoint, options, cancellationToken).ConfigureAwait(false);
        try
        {
            INatsSub<string> requests = await connection.SubscribeCoreAsync<string>(LinkSubjects.Listen(endpoint.Name), cancellationToken: cancellationToken).ConfigureAwait(false);
            // NATS.Net returns once the subscription is sent, not once the server has it: a connector's request (on a
            // connection of its own) could reach the server first and find no responder. The server answers a ping
            // after everything this connection sent before it, so once it has, Listen has a listener to offer.
            await connection.PingAsync(cancellationToken).ConfigureAwait(false);
            return new NatsLinkServer(endpoint, new SharedConnection(connection), requests, localSocketPath);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
            return;
        _stop.Cancel();
        await _requests.DisposeAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await _connection.ReleaseAsync(null).ConfigureAwait(false);
    }

    private async Task ServeAsync()
    {
        try
        {
            await foreach (NatsMsg<string> request in _requests.Msgs.ReadAllAsync(_stop.Token).ConfigureAwait(false))
                await AcceptAsync(request).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }

    private async Task AcceptAsync(NatsMsg<string> request)
    {
        string? id = request.Data;
        if (!LinkSubjects.IsValidId(id) || request.ReplyTo is null)
        {
            Interlocked.Increment(ref RefusedCount);
            return;
        }
        LinkInbox? inbox = null;
        Socket? local = null;
        try
        {
            inbox = await LinkInbox.SubscribeAsync(_connection.Connection, LinkSubjects.OpenerInbox(_endpoint.Name, id!)).ConfigureAwait(false);
            // Bound to an abstract address named after the link: the socket the local listener accepts has it as its
            // remote address, by which the runtime finds this link again after the handshake (PendingLinks).
            local = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            local.Bind(new UnixDomainSocketEndPoint("\0channels-nats-" + id));
            await local.ConnectAsync(new UnixDomainSocketEndPoint(_localSocketPath), _stop.Token).ConfigureAwait(false);
            NatsLink.Start(_connection, inbox, LinkSubjects.PeerInbox(_endpoint.Name, id!), local, local.LocalEndPoint!.ToString()!, "NATS (" + _endpoint.Display + ")");
            inbox = null;
            local = null;
            await request.ReplyAsync("ok", cancellationToken: _stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or NatsException or OperationCanceledException or IOException)
        {
            // A link started already ends by itself: the connector never sends on an inbox it was not told of, and
            // the local handshake times out.
            Interlocked.Increment(ref RefusedCount);
            local?.Dispose();
            if (inbox is not null)
                await inbox.DisposeAsync().ConfigureAwait(false);
        }
    }
}
