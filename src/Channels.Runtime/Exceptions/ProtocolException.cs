using Channels.Diagnostics;

namespace Channels;

/// <summary>
/// The other side sent bytes that are not a valid frame or handshake (malformed, truncated, oversized, an unknown
/// lane or kind). The link that received them ends; the process and other links carry on.
/// </summary>
public sealed class ProtocolException : ChannelsException
{
    /// <summary>Creates the exception.</summary>
    public ProtocolException(string message, Exception? innerException = null) : base(message, innerException) { }

    /// <summary>What the other side got wrong, one of <see cref="ProtocolErrorTypes"/> (the metric's <c>error.type</c>).</summary>
    internal string ErrorType { get; set; } = ProtocolErrorTypes.Malformed;

    /// <summary>The lane of the frame that broke the protocol, or -1 when it is not a lane's.</summary>
    internal int Lane { get; set; } = -1;
}
