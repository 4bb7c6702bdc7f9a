using System.Buffers.Binary;
using Channels.Runtime.Tests.Infrastructure;
using static Channels.Runtime.Tests.Infrastructure.RawFrames;
using Channels.TestChild.Contracts;
using Channels.Transports;
using Channels.Wire;
using Xunit;

namespace Channels.Runtime.Tests.Lanes;

/// <summary>
/// Garbage after a genuine handshake ends that link with ProtocolException on every lane, while the listener keeps
/// accepting; a silent peer ends it with PeerLostException after PeerTimeout.
/// </summary>
public sealed class MalformedInputTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly TestRuntimeDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static byte[] Random(int count)
    {
        var bytes = new byte[count];
        new Random(7).NextBytes(bytes);
        bytes[0] = 0xFF; // a length far over the limit, whatever follows
        return bytes;
    }

    public static TheoryData<string, byte[], bool> Garbage => new()
    {
        { "random bytes", Random(1000), false },
        { "length field of 2 GiB", GiantLength(), false },
        { "unknown lane", Frame(9, (byte)FrameKind.Data, [1, 2]), false },
        { "unknown kind", Frame(1, 0x42, [1, 2]), false },
        { "data on a lane the listener writes", Frame(0, (byte)FrameKind.Data, [1, 2]), false },
        { "undecodable message", Frame(1, (byte)FrameKind.Data, [1]), false },
        // A long lane's messages are copied out of a Batch frame without its codec (IRawLaneCodec): an entry of
        // another size than the struct's is still refused, after the entries before it.
        { "batch entry of the wrong size", Frame(1, (byte)FrameKind.Batch, [8, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 3, 0, 0, 0, 1, 2, 3]), false },
        { "batch whose last entry of the struct's size is cut short", Frame(1, (byte)FrameKind.Batch, [8, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 0, 0, 0, 1, 2, 3]), false },
        { "batch entry claiming 4 GiB after a whole one", Frame(1, (byte)FrameKind.Batch, [8, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0xFF, 0xFF, 0xFF, 0xFF]), false },
        // Issue 15, point 3: a reader may return only window it consumed; a huge grant would let the writer overrun it.
        { "credit of 2^31-1 messages, beyond the announced window", Frame(0, (byte)FrameKind.Credit, [0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0]), false },
        { "credit for bytes never sent", Frame(0, (byte)FrameKind.Credit, [0, 0, 0, 0, 1, 0, 0, 0]), false },
        { "truncated frame, then the connection ends", Frame(1, (byte)FrameKind.Data, new byte[100])[..50], true },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public async Task GarbageEndsThatLinkWithProtocolExceptionAndTheListenerGoesOn(string what, byte[] bytes, bool closeAfter)
    {
        await using var listener = ISimple.Listen("bad", _directory.Options());
        byte[] key = File.ReadAllBytes(Path.Combine(_directory.Path, "bad.key"));
        using var raw = await RawClient.ConnectAsync(listener.Endpoint);
        await raw.HandshakeAsync(ISimple.Definition.Descriptor, key);
        await using ISimple victim = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);
        ValueTask<long> pendingRead = victim.Echoes.ReadAsync();

        await raw.SendAsync(bytes);
        if (closeAfter)
            raw.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);

        var ex = await Assert.ThrowsAsync<ProtocolException>(async () => await pendingRead.AsTask().WaitAsync(Timeout));
        Assert.False(string.IsNullOrEmpty(ex.Message), what);
        await Assert.ThrowsAsync<ProtocolException>(async () => await victim.Numbers.WriteAsync(1).AsTask().WaitAsync(Timeout));
        Assert.True(await raw.WaitForCloseAsync(Timeout), $"{what}: the link did not close its socket");

        await using ISimple.Peer next = await ISimple.Peer.ConnectAsync("bad", _directory.Options()).AsTask().WaitAsync(Timeout);
        await using ISimple nextOpener = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);
        await next.Echoes.WriteAsync(1);
        Assert.Equal(1, await nextOpener.Echoes.ReadAsync().AsTask().WaitAsync(Timeout));
    }

    [Fact]
    public async Task AStreamEndingInsideAFrameFromAPeerWhoseProcessEndedIsALostPeerNotAProtocolError()
    {
        // A peer SIGKILLed while its socket was full leaves part of a frame before the end of the stream. The link
        // asks whether the peer's process has ended: here the raw client stands in for a process that has.
        using var ended = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("true") { UseShellExecute = false })!;
        await ended.WaitForExitAsync().WaitAsync(Timeout);
        await using var listener = ISimple.Listen("cut", _directory.Options());
        byte[] key = File.ReadAllBytes(Path.Combine(_directory.Path, "cut.key"));
        using var raw = await RawClient.ConnectAsync(listener.Endpoint);
        await raw.HandshakeAsync(ISimple.Definition.Descriptor, key);
        await using ISimple victim = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);
        ((Contracts.IChannelEndpoint)victim).Link.AttachPeerProcess(ended);
        ValueTask<long> pendingRead = victim.Echoes.ReadAsync();

        await raw.SendAsync(Frame(1, (byte)FrameKind.Data, new byte[100])[..50]);
        raw.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);

        var lost = await Assert.ThrowsAsync<PeerLostException>(async () => await pendingRead.AsTask().WaitAsync(Timeout));
        Assert.Contains("inside a frame", lost.Message);
        Assert.IsType<ProtocolException>(lost.InnerException);
        await Assert.ThrowsAsync<PeerLostException>(async () => await victim.Numbers.WriteAsync(1).AsTask().WaitAsync(Timeout));
    }

    public static TheoryData<string, bool> GarbageInStreams => new()
    {
        { "random bytes", false },
        { "unknown kind", false },
        { "undecodable message", false },
        { "batch entry of the wrong size", false },
        { "batch whose last entry of the struct's size is cut short", false },
        { "unknown lane", false },
        { "undecodable message", true },
        { "unknown lane", true },
    };

    // A stream keeps the link busy, so its reader receives on its own thread (the transport's inline receive) for
    // much of it and the receive thread for the rest: whichever meets the bad frame, the reader gets every message
    // before it, in order, then ProtocolException; nothing after it is delivered.
    [Theory]
    [MemberData(nameof(GarbageInStreams))]
    public async Task GarbageInTheMiddleOfAStreamEndsTheLinkAfterEveryMessageBeforeIt(string what, bool paced)
    {
        const int Before = 3000;
        const int PerSend = 50;
        byte[] garbage = (byte[])Garbage.Single(row => (string)row[0] == what)[1];
        await using var listener = ISimple.Listen("stream", _directory.Options());
        byte[] key = File.ReadAllBytes(Path.Combine(_directory.Path, "stream.key"));
        using var raw = await RawClient.ConnectAsync(listener.Endpoint);
        await raw.HandshakeAsync(ISimple.Definition.Descriptor, key);
        await using ISimple victim = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);
        Task<(List<long> Got, Exception Error)> reading = ReadUntilFailure.StartAsync(victim.Echoes);

        for (int first = 0; first < Before; first += PerSend)
        {
            await raw.SendAsync(Numbers(first, PerSend));
            // Paced: the reader runs dry between sends and parks, and the receive thread takes over; back to back,
            // the reader finds the next send while it polls.
            if (paced)
                await Task.Delay(1);
        }
        await raw.SendAsync([.. garbage, .. Numbers(Before, PerSend)]);

        (List<long> got, Exception error) = await reading.WaitAsync(Timeout);
        Assert.IsType<ProtocolException>(error);
        Assert.Equal(Enumerable.Range(0, Before).Select(i => (long)i), got);
        Assert.True(await raw.WaitForCloseAsync(Timeout), $"{what}: the link did not close its socket");
    }

    // Numbers as the link's writers send them: one Batch frame of length-prefixed entries, every other send as
    // single Data frames.
    private static byte[] Numbers(int first, int count)
    {
        var bytes = new List<byte>();
        if (first / count % 2 == 0)
        {
            var entries = new List<byte>();
            for (int i = 0; i < count; i++)
            {
                entries.AddRange(BitConverter.GetBytes(8));
                entries.AddRange(BitConverter.GetBytes((long)(first + i)));
            }
            bytes.AddRange(Frame(1, (byte)FrameKind.Batch, [.. entries]));
        }
        else
        {
            for (int i = 0; i < count; i++)
                bytes.AddRange(Frame(1, (byte)FrameKind.Data, BitConverter.GetBytes((long)(first + i))));
        }
        return [.. bytes];
    }

    [Fact]
    public async Task ASilentPeerIsLostAfterThePeerTimeout()
    {
        await using var listener = ISimple.Listen("quiet", _directory.Options(peerTimeout: TimeSpan.FromMilliseconds(1000)));
        byte[] key = File.ReadAllBytes(Path.Combine(_directory.Path, "quiet.key"));
        using var raw = await RawClient.ConnectAsync(listener.Endpoint);
        await raw.HandshakeAsync(ISimple.Definition.Descriptor, key);
        await using ISimple victim = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);

        var ex = await Assert.ThrowsAsync<PeerLostException>(async () => await victim.Echoes.ReadAsync().AsTask().WaitAsync(Timeout));
        Assert.Contains("PeerTimeout", ex.Message);
    }

    [Fact]
    public async Task AnIdleButLivePeerIsKeptAliveByPings()
    {
        // A timeout of 3 s: with a shorter one, a loaded machine (the rest of the suite runs alongside) has delayed the
        // pings' timers past it.
        await using var listener = ISimple.Listen("idle", _directory.Options(peerTimeout: TimeSpan.FromSeconds(3)));
        await using ISimple.Peer peer = await ISimple.Peer.ConnectAsync("idle", _directory.Options(peerTimeout: TimeSpan.FromSeconds(3))).AsTask().WaitAsync(Timeout);
        await using ISimple opener = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);

        await Task.Delay(7000); // well past the timeout: only pings kept the link up

        await opener.Numbers.WriteAsync(5);
        Assert.Equal(5, await peer.Numbers.ReadAsync().AsTask().WaitAsync(Timeout));
    }
}
