using System.Net.Sockets;
using Channels.Transports;
using NATS.Client.Core;

namespace Channels.Nats.Links;

/// <summary>
/// Serves a listener's <c>nats://</c> endpoint: answers each connector's request on the endpoint's subject, opens
/// the link's inbox, connects the link to the local listener's socket (where the handshake checks contract and key)
/// and bridges the two. One NATS connection carries the listener and its links; after a server outage NATS.Net
/// reconnects it and the listener takes new links again (links under way at the outage have ended).
/// </summary>
internal sealed class NatsLinkServer : IAsyncDisposable
{
    private readonly NatsEndpoint _endpoint;
    private readonly SharedConnection _connection;
    private readonly INatsSub<string> _requests;
    private readonly string _localSocketPath;
    private readonly TimeSpan _peerTimeout;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private NatsLinkServer(NatsEndpoint endpoint, SharedConnection connection, INatsSub<string> requests, string localSocketPath, TimeSpan peerTimeout)
    {
        _endpoint = endpoint;
        _connection = connection;
        _requests = requests;
        _localSocketPath = localSocketPath;
        _peerTimeout = peerTimeout;
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
            return new NatsLinkServer(endpoint, new SharedConnection(connection), requests, localSocketPath, options.PeerTimeout);
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
        INatsSub<NatsMemoryOwner<byte>>? inbox = null;
        Socket? local = null;
        try
        {
            inbox = await NatsLinkBridge.SubscribeAsync(_connection.Connection, LinkSubjects.OpenerInbox(_endpoint.Name, id!), _stop.Token).ConfigureAwait(false);
            local = await UnixSockets.ConnectAsync(new EndpointAddress(_localSocketPath, null, _localSocketPath), _stop.Token).ConfigureAwait(false);
            NatsLinkBridge.Start(_connection, inbox, LinkSubjects.PeerInbox(_endpoint.Name, id!), local, _peerTimeout);
            await request.ReplyAsync("ok", cancellationToken: _stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or NatsException or OperationCanceledException or IOException or EndpointNotFoundException)
        {
            // The bridge, if started, ends by itself: the connector never sends on an inbox it was not told of.
            Interlocked.Increment(ref RefusedCount);
            if (local is null)
            {
                if (inbox is not null)
                    await inbox.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
