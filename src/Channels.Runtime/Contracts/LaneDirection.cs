namespace Channels.Contracts;

/// <summary>Which end of a link writes a lane.</summary>
public enum LaneDirection : byte
{
    /// <summary>The opener writes, the peer reads (a <c>ChannelWriter&lt;T&gt;</c> member of the contract).</summary>
    OpenerToPeer = 0,

    /// <summary>The peer writes, the opener reads (a <c>ChannelReader&lt;T&gt;</c> member of the contract).</summary>
    PeerToOpener = 1,
}
