namespace Channels.Wire;

/// <summary>Which end of a link a side is; the two ends of a connection must differ.</summary>
internal enum LinkRole : byte
{
    /// <summary>The end that sees the contract interface (CreatePipe's first end, a listener's accepted links).</summary>
    Opener = 1,

    /// <summary>The end that sees the generated <c>Peer</c> interface.</summary>
    Peer = 2,
}
