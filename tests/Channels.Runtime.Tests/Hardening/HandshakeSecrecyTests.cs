using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Channels.Runtime.Tests.Infrastructure;
using Channels.TestChild.Contracts;
using Channels.Wire;
using Xunit;

namespace Channels.Runtime.Tests.Hardening;

/// <summary>Issue 15, point 8: the listener reveals its contract name and fingerprint only to a peer that proved it holds the key.</summary>
public sealed class HandshakeSecrecyTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestRuntimeDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AClientWithoutTheKeyLearnsNeitherContractNameNorFingerprint()
    {
        await using var listener = ISimple.Listen("secret", _directory.Options());
        using RawClient client = await RawClient.ConnectAsync(listener.Endpoint);

        await client.SendAsync(HandshakeHello.EncodeChallenge(LinkRole.Peer, RandomNumberGenerator.GetBytes(HandshakeHello.NonceSize)));
        await client.SendAsync(RandomNumberGenerator.GetBytes(32)); // a guessed proof
        byte[] received = await ReadUntilCloseAsync(client);

        Assert.True(received.Length >= HandshakeHello.ChallengeSize, "the listener sent its challenge");
        Assert.Equal(-1, received.AsSpan().IndexOf(Encoding.UTF8.GetBytes(ISimple.Definition.Descriptor.Name)));
        Assert.Equal(-1, received.AsSpan().IndexOf(Encoding.UTF8.GetBytes("ISimple")));
        byte[] fingerprint = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(fingerprint, ISimple.Definition.Descriptor.Fingerprint);
        Assert.Equal(-1, received.AsSpan().IndexOf(fingerprint));
        Assert.True(SpinWait.SpinUntil(() => listener.RejectedCount == 1, Patience));
        Assert.IsType<AuthenticationFailedException>(listener.LastRejection);
    }

    [Fact]
    public async Task APeerWithTheKeyGetsTheTermsAndAMismatchStillNamesBothSides()
    {
        await using var listener = ISimple.Listen("terms", _directory.Options());
        var mismatch = await Assert.ThrowsAsync<ContractMismatchException>(async () =>
            await ITransfer.Peer.ConnectAsync("terms", _directory.Options()).AsTask().WaitAsync(Patience));
        Assert.Equal(ISimple.Definition.Descriptor.Name, mismatch.RemoteContract);
    }

    [Theory]
    [InlineData(0, 1, 1 << 20, 10, "window")]
    [InlineData(1, 0, 1 << 20, 10, "window")]
    [InlineData(1, 1, 10, 10, "maximum frame size")]
    [InlineData(1, 1, 1 << 20, 0, "name")]
    [InlineData(1, 1, 1 << 20, 5000, "name")]
    public void BadTermsAreAProtocolError(int windowMessages, int windowBytes, int maxFrame, int nameLength, string field)
    {
        byte[] terms = new byte[HandshakeHello.TermsFixedSize];
        BinaryPrimitives.WriteInt32LittleEndian(terms.AsSpan(8), windowMessages);
        BinaryPrimitives.WriteInt32LittleEndian(terms.AsSpan(12), windowBytes);
        BinaryPrimitives.WriteInt32LittleEndian(terms.AsSpan(16), maxFrame);
        BinaryPrimitives.WriteUInt16LittleEndian(terms.AsSpan(20), (ushort)nameLength);
        var error = Assert.Throws<ProtocolException>(() => HandshakeHello.ReadNameLength(terms));
        Assert.Contains(field, error.Message);
    }

    private static async Task<byte[]> ReadUntilCloseAsync(RawClient client)
    {
        var all = new MemoryStream();
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(Patience);
        try
        {
            int n;
            while ((n = await client.Socket.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None, cts.Token)) > 0)
                all.Write(buffer, 0, n);
        }
        catch (System.Net.Sockets.SocketException)
        {
            // Reset by the listener: the connection is over.
        }
        return all.ToArray();
    }
}
