namespace Channels;

/// <summary>
/// The other side did not prove that it holds the endpoint's key (or this side does not have the key).
/// Raised during the handshake, before any message is read.
/// </summary>
public sealed class AuthenticationFailedException : ChannelsException
{
    /// <summary>Creates the exception.</summary>
    public AuthenticationFailedException(string message, Exception? innerException = null) : base(message, innerException) { }
}
