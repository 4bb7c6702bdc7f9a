using Channels.Wire;
using Xunit;

namespace Channels.Runtime.Tests.Wire;

/// <summary>The shared-memory offer in the hello's flags byte: carried both ways; unknown bits refused.</summary>
public sealed class HandshakeFlagsTests
{
    private static HandshakeHello Hello(bool offers) => new(LinkRole.Peer, 42, 16, 1024, 4096, new byte[HandshakeHello.NonceSize], "Demo.IWorker") { OffersSharedMemory = offers };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TheSharedMemoryOfferRoundTrips(bool offers)
    {
        byte[] bytes = Hello(offers).Encode();
        Assert.Equal(offers ? 1 : 0, bytes[7]);
        int nameLength = HandshakeHello.ReadNameLength(bytes);
        HandshakeHello decoded = HandshakeHello.Decode(bytes.AsSpan(0, HandshakeHello.FixedSize), bytes.AsSpan(HandshakeHello.FixedSize, nameLength));
        Assert.Equal(offers, decoded.OffersSharedMemory);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0x81)]
    public void UnknownFlagBitsAreRefused(byte flags)
    {
        byte[] bytes = Hello(true).Encode();
        bytes[7] = flags;
        var ex = Assert.Throws<ProtocolException>(() => HandshakeHello.ReadNameLength(bytes));
        Assert.Contains("flags", ex.Message);
    }
}
