namespace Channels;

/// <summary>Nothing serves the named endpoint: no listener or queue host was created there, or it has ended.</summary>
public sealed class EndpointNotFoundException : ChannelsException
{
    /// <summary>Creates the exception.</summary>
    public EndpointNotFoundException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public EndpointNotFoundException(string message, Exception inner) : base(message, inner) { }
}
