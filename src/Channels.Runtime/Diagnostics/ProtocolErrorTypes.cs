namespace Channels.Diagnostics;

/// <summary>The <c>error.type</c> values of <c>channels.link.protocol_errors</c>: what the other side got wrong.</summary>
internal static class ProtocolErrorTypes
{
    /// <summary>A frame longer than this side's maximum frame size.</summary>
    public const string Oversized = "oversized";

    /// <summary>A stream or batch that ends inside a frame or entry.</summary>
    public const string Truncated = "truncated";

    /// <summary>An unknown frame kind.</summary>
    public const string BadKind = "bad_kind";

    /// <summary>A frame for a lane the contract does not have, or that this side cannot receive on.</summary>
    public const string BadLane = "bad_lane";

    /// <summary>Credit beyond the window, or a credit frame that does not parse.</summary>
    public const string BadCredit = "bad_credit";

    /// <summary>More messages than the reader's window.</summary>
    public const string WindowExceeded = "window_exceeded";

    /// <summary>A message that does not decode as the lane's type.</summary>
    public const string Undecodable = "undecodable";

    /// <summary>Anything else that is not a valid frame (wrong payload size, corrupt shared-memory ring, ...).</summary>
    public const string Malformed = "malformed";
}
