namespace Channels;

/// <summary>
/// The other side sent bytes that are not a valid frame or handshake (malformed, truncated, oversized, an unknown
/// lane or kind). The link that received them ends; the process and other links carry on.
/// </summary>
public sealed class ProtocolException : ChannelsException
{
    /// <summary>Creates the exception.</summary>
    public ProtocolException(string message, Exception? innerException = null) : base(message, innerException) { }
}
