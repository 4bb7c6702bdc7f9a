using System.Security.Cryptography;
using Channels.Wire;
using Xunit;

namespace Channels.Runtime.Tests.Wire;

/// <summary>The shared-memory offer in the challenge's flags byte: carried both ways; unknown bits refused.</summary>
public sealed class HandshakeFlagsTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TheSharedMemoryOfferRoundTrips(bool offers)
    {
        byte[] nonce = RandomNumberGenerator.GetBytes(HandshakeHello.NonceSize);
        byte[] bytes = HandshakeHello.EncodeChallenge(LinkRole.Peer, nonce, offers);
        Assert.Equal(offers ? 1 : 0, bytes[7]);
        (LinkRole role, byte[] readNonce, bool readOffers) = HandshakeHello.ReadChallenge(bytes);
        Assert.Equal(LinkRole.Peer, role);
        Assert.Equal(nonce, readNonce);
        Assert.Equal(offers, readOffers);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0x81)]
    public void UnknownFlagBitsAreRefused(byte flags)
    {
        byte[] bytes = HandshakeHello.EncodeChallenge(LinkRole.Peer, new byte[HandshakeHello.NonceSize], offersSharedMemory: true);
        bytes[7] = flags;
        var ex = Assert.Throws<ProtocolException>(() => HandshakeHello.ReadChallenge(bytes));
        Assert.Contains("flags", ex.Message);
    }
}
