using System.Buffers.Binary;
using System.Security.Cryptography;
using Channels.Runtime.Tests.Infrastructure;
using Channels.TestChild.Contracts;
using Channels.Wire;
using Xunit;

namespace Channels.Runtime.Tests.Wire;

/// <summary>Hostile and broken handshakes against a real listener: each is refused, and the listener keeps accepting.</summary>
public sealed class HandshakeTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly TestRuntimeDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static byte[] Challenge(ushort version = HandshakeHello.ProtocolVersion, string magic = "CHNL", byte role = (byte)LinkRole.Peer, byte flags = 0)
    {
        byte[] challenge = HandshakeHello.EncodeChallenge(LinkRole.Peer, RandomNumberGenerator.GetBytes(HandshakeHello.NonceSize));
        System.Text.Encoding.ASCII.GetBytes(magic).CopyTo(challenge, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(challenge.AsSpan(4), version);
        challenge[6] = role;
        challenge[7] = flags;
        return challenge;
    }

    public static TheoryData<string, byte[]> BrokenHellos => new()
    {
        { "wrong magic", Challenge(magic: "HTTP") },
        { "future version", Challenge(version: 99) },
        { "version 1 (contract before authentication)", Challenge(version: 1) },
        { "unknown role", Challenge(role: 7) },
        { "unknown flags", Challenge(flags: 2) },
        { "same role as the listener", Challenge(role: (byte)LinkRole.Opener) },
        { "random bytes", RandomBytes(4096) },
        { "truncated challenge", Challenge()[..20] },
    };

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(99).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [MemberData(nameof(BrokenHellos))]
    public async Task BrokenHellosAreRefusedAndTheListenerGoesOn(string what, byte[] bytes)
    {
        await using var listener = ISimple.Listen("hs", _directory.Options());
        using (var raw = await RawClient.ConnectAsync(listener.Endpoint))
        {
            await raw.SendAsync(bytes);
            raw.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            Assert.True(await raw.WaitForCloseAsync(Timeout), $"{what}: the listener kept the connection open");
        }
        Assert.True(SpinWait.SpinUntil(() => listener.RejectedCount == 1, Timeout));
        Assert.IsType<ProtocolException>(listener.LastRejection);

        await using ISimple.Peer good = await ISimple.Peer.ConnectAsync("hs", _directory.Options()).AsTask().WaitAsync(Timeout);
        await using ISimple opener = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);
    }

    [Fact]
    public async Task ASilentClientTimesOutWithoutHoldingUpOthers()
    {
        ChannelOptions options = _directory.Options() is var o ? new ChannelOptions { RuntimeDirectory = o.RuntimeDirectory, HandshakeTimeout = TimeSpan.FromMilliseconds(500) } : null!;
        await using var listener = ISimple.Listen("silent", options);
        using var silent = await RawClient.ConnectAsync(listener.Endpoint);

        await using ISimple.Peer good = await ISimple.Peer.ConnectAsync("silent", _directory.Options()).AsTask().WaitAsync(Timeout);
        await using ISimple opener = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);

        Assert.True(await silent.WaitForCloseAsync(Timeout));
        Assert.IsType<TimeoutException>(listener.LastRejection);
    }

    [Fact]
    public async Task AWrongKeyIsRefusedBeforeAnyFrameIsRead()
    {
        await using var listener = ISimple.Listen("key", _directory.Options());
        using var raw = await RawClient.ConnectAsync(listener.Endpoint);

        // A client with the wrong key that sends frames right behind its proof: none may reach a lane.
        Task handshake = raw.HandshakeAsync(ISimple.Definition.Descriptor, RandomNumberGenerator.GetBytes(32));
        await Assert.ThrowsAsync<AuthenticationFailedException>(() => handshake.WaitAsync(Timeout));
        var frame = new byte[FrameLayout.HeaderSize + 9];
        FrameLayout.WriteHeader(frame, 9, 0, FrameKind.Data);
        try
        {
            await raw.SendAsync(frame);
        }
        catch (System.Net.Sockets.SocketException)
        {
            // Already closed by the listener: even better.
        }

        Assert.True(SpinWait.SpinUntil(() => listener.RejectedCount == 1, Timeout));
        Assert.IsType<AuthenticationFailedException>(listener.LastRejection);
        ValueTask<ISimple> accept = listener.AcceptAsync();
        await Task.Delay(200);
        Assert.False(accept.IsCompleted);
    }

    [Fact]
    public async Task ConnectorsWithAWrongOrMissingKeyGetAuthenticationFailed()
    {
        await using var listener = ISimple.Listen("keys", _directory.Options());

        var wrong = await Assert.ThrowsAsync<AuthenticationFailedException>(async () =>
            await ISimple.Peer.ConnectAsync("keys", _directory.Options(key: RandomNumberGenerator.GetBytes(32))).AsTask().WaitAsync(Timeout));
        Assert.Contains("key", wrong.Message);
        await Assert.ThrowsAsync<AuthenticationFailedException>(async () =>
            await ISimple.Peer.ConnectAsync(listener.Endpoint, _directory.Options()).AsTask().WaitAsync(Timeout));
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await ISimple.Peer.ConnectAsync("keys", _directory.Options(key: Array.Empty<byte>())).AsTask().WaitAsync(Timeout));
    }

    [Fact]
    public async Task ADifferentContractIsRefusedOnBothSidesNamingBoth()
    {
        await using var listener = ISimple.Listen("contract", _directory.Options());

        var ex = await Assert.ThrowsAsync<ContractMismatchException>(async () =>
            await ITransfer.Peer.ConnectAsync("contract", _directory.Options()).AsTask().WaitAsync(Timeout));

        Assert.Contains("Channels.TestChild.Contracts.ITransfer", ex.Message);
        Assert.Contains("Channels.TestChild.Contracts.ISimple", ex.Message);
        Assert.Equal("Channels.TestChild.Contracts.ISimple", ex.RemoteContract);
        Assert.True(SpinWait.SpinUntil(() => listener.RejectedCount == 1, Timeout));
        var rejected = Assert.IsType<ContractMismatchException>(listener.LastRejection);
        Assert.Equal("Channels.TestChild.Contracts.ITransfer", rejected.RemoteContract);
    }
}
