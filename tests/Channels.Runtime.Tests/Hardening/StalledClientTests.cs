using System.Diagnostics;
using System.Security.Cryptography;
using Channels.Runtime.Tests.Infrastructure;
using Channels.TestChild.Contracts;
using Channels.Wire;
using Xunit;

namespace Channels.Runtime.Tests.Hardening;

/// <summary>Issue 15, point 8: clients stalled half-way through a handshake or a frame hold no thread and are dropped in bounded time.</summary>
public sealed class StalledClientTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestRuntimeDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task FiftyClientsStalledHalfWayThroughTheHandshakeHoldNoThreadsAndAreDroppedAtTheTimeout()
    {
        const int Clients = 50;
        var options = new ChannelOptions { RuntimeDirectory = _directory.Path, HandshakeTimeout = TimeSpan.FromSeconds(1) };
        await using var listener = ISimple.Listen("stall", options);
        int threadsBefore = Process.GetCurrentProcess().Threads.Count;
        var stalled = new List<RawClient>();
        try
        {
            byte[] half = HandshakeHello.EncodeChallenge(LinkRole.Peer, RandomNumberGenerator.GetBytes(HandshakeHello.NonceSize))[..20];
            for (int i = 0; i < Clients; i++)
            {
                RawClient client = await RawClient.ConnectAsync(listener.Endpoint);
                stalled.Add(client);
                await client.SendAsync(half);
            }
            await Task.Delay(300);
            int threadsStalled = Process.GetCurrentProcess().Threads.Count;

            foreach (RawClient client in stalled)
                Assert.True(await client.WaitForCloseAsync(Patience), "a stalled client was never dropped");

            Assert.True(threadsStalled - threadsBefore < Clients / 2, $"{threadsStalled - threadsBefore} threads more with {Clients} stalled clients");
            Assert.True(SpinWait.SpinUntil(() => listener.RejectedCount == Clients, Patience));
            Assert.IsType<TimeoutException>(listener.LastRejection);
        }
        finally
        {
            foreach (RawClient client in stalled)
                client.Dispose();
        }
    }

    [Fact]
    public async Task AnAuthenticatedClientStalledHalfWayThroughAFrameEndsItsLinkWithinThePeerTimeout()
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        ChannelOptions options = _directory.Options(key: key, peerTimeout: TimeSpan.FromSeconds(1));
        await using var listener = ISimple.Listen("unix:" + Path.Combine(Path.GetTempPath(), "chn-stall-" + Guid.NewGuid().ToString("N")[..8] + ".sock"), options);
        using RawClient client = await RawClient.ConnectAsync(listener.Endpoint);
        await client.HandshakeAsync(ISimple.Definition.Descriptor, key);
        await using ISimple opener = await listener.AcceptAsync().AsTask().WaitAsync(Patience);

        await client.SendAsync([40, 0, 0]); // three bytes of a frame header, then silence
        var stopwatch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<PeerLostException>(async () => await opener.Echoes.ReadAsync().AsTask().WaitAsync(Patience));

        Assert.True(stopwatch.Elapsed < options.PeerTimeout + TimeSpan.FromSeconds(2), $"took {stopwatch.Elapsed}");
        Assert.True(await client.WaitForCloseAsync(Patience));
    }
}
