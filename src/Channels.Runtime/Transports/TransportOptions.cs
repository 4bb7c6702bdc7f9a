namespace Channels.Transports;

/// <summary>
/// Settings of a remote transport, given in <see cref="ChannelOptions.Transport"/> (for example Channels.Nats's
/// <c>NatsTransportOptions</c>: server connection, authentication, TLS). Transports define the subclasses.
/// </summary>
public abstract class TransportOptions
{
    /// <summary>Only transport packages derive options.</summary>
    private protected TransportOptions() { }
}
