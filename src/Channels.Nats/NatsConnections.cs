using NATS.Client.Core;

namespace Channels.Nats;

/// <summary>Opens NATS connections for endpoints, with the user's options passed through.</summary>
internal static class NatsConnections
{
    // A link's inbox may hold every frame of its windows in small messages: more than NATS.Net's default of 1024
    // messages pending per subscription. Credit bounds what is in flight, so this bound is never the one that binds.
    private const int SubscriptionCapacity = 1 << 16;

    /// <summary>Connects to the server of <paramref name="endpoint"/>.</summary>
    /// <exception cref="IOException">The server cannot be reached or refused the credentials.</exception>
    public static ValueTask<NatsConnection> ConnectAsync(NatsEndpoint endpoint, ChannelOptions options, CancellationToken cancellationToken)
        => ConnectAsync(endpoint, NatsTransportOptions.From(options), cancellationToken);

    /// <summary>Connects to the server of <paramref name="endpoint"/> with <paramref name="transport"/>'s connection options.</summary>
    /// <exception cref="IOException">The server cannot be reached or refused the credentials.</exception>
    public static async ValueTask<NatsConnection> ConnectAsync(NatsEndpoint endpoint, NatsTransportOptions transport, CancellationToken cancellationToken)
    {
        NatsOpts opts = transport.Connection with
        {
            Url = endpoint.ServerUrl,
            Name = "channels:" + endpoint.Name,
            SubPendingChannelCapacity = SubscriptionCapacity,
        };
        var connection = new NatsConnection(opts);
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"Cannot connect to the NATS server of endpoint '{endpoint.Display}': {ex.Message}", ex);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
