using System.Threading.Channels;
using Channels.Contracts;
using Channels.Runtime.Tests.Infrastructure;
using Channels.TestChild.Contracts;
using Xunit;

namespace Channels.Runtime.Tests.Lanes;

/// <summary>Lane semantics over the Unix-socket transport and over shared memory negotiated on it, both ends in this process.</summary>
public abstract class SocketLinkTests(bool sharedMemory) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly TestRuntimeDirectory _directory = new() { SharedMemory = sharedMemory };

    public void Dispose() => _directory.Dispose();

    private async Task<(ChannelListener<ISimple> Listener, ISimple Opener, ISimple.Peer Peer)> ConnectAsync(ChannelOptions? listenerOptions = null, ChannelOptions? peerOptions = null)
    {
        var listener = ISimple.Listen("simple", listenerOptions ?? _directory.Options());
        ISimple.Peer peer = await ISimple.Peer.ConnectAsync("simple", peerOptions ?? _directory.Options()).AsTask().WaitAsync(Timeout);
        ISimple opener = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);
        return (listener, opener, peer);
    }

    [Fact]
    public async Task MessagesCompletionAndFaultCrossTheSocketInOrder()
    {
        var (listener, opener, peer) = await ConnectAsync();
        await using var _ = listener;
        await using var __ = opener;
        await using var ___ = peer;

        Task writer = Task.Run(async () =>
        {
            for (long i = 0; i < 100_000; i++)
                await opener.Numbers.WriteAsync(i);
            opener.Numbers.Complete();
            await opener.Notes.WriteAsync("hello ünïcode");
            try
            {
                throw new ArgumentException("bad note");
            }
            catch (ArgumentException error)
            {
                opener.Notes.Complete(error);
            }
        });
        long expected = 0;
        await foreach (long n in peer.Numbers.ReadAllAsync())
            Assert.Equal(expected++, n);
        Assert.Equal(100_000, expected);
        await peer.Numbers.Completion.WaitAsync(Timeout);

        Assert.Equal("hello ünïcode", await peer.Notes.ReadAsync().AsTask().WaitAsync(Timeout));
        var ex = await Assert.ThrowsAsync<ChannelClosedException>(async () => await peer.Notes.ReadAsync().AsTask().WaitAsync(Timeout));
        var remote = Assert.IsType<RemoteException>(ex.InnerException);
        Assert.Equal("System.ArgumentException", remote.RemoteType);
        Assert.Equal("bad note", remote.RemoteMessage);
        Assert.Contains("MessagesCompletionAndFaultCrossTheSocketInOrder", remote.RemoteStackTrace);
        await writer.WaitAsync(Timeout);
    }

    [Fact]
    public async Task BurstsThatStopShortOfAFullSendArriveWithoutCompleteOrFurtherWrites()
    {
        // Each burst follows the last one's send closely, so its writes find the link busy and leave the send to
        // the loop's tail flush; a tail that waited for more writes would never arrive, as nothing else is written.
        var (listener, opener, peer) = await ConnectAsync();
        await using var _ = listener;
        await using var __ = opener;
        await using var ___ = peer;

        var random = new Random(12345);
        long next = 0;
        for (int round = 0; round < 300; round++)
        {
            int burst = round % 3 == 0 ? 1 : random.Next(2, 3_000);
            long first = next;
            for (int i = 0; i < burst; i++)
                await opener.Numbers.WriteAsync(next++); // completes at once unless credit is still on its way back
            for (long expected = first; expected < next; expected++)
                Assert.Equal(expected, await peer.Numbers.ReadAsync().AsTask().WaitAsync(Timeout));
        }
    }

    [Fact]
    public async Task TryWriteStopsAtTheRemoteWindowAndResumesWhenTheReaderReads()
    {
        var (listener, opener, peer) = await ConnectAsync(peerOptions: _directory.Options(windowMessages: 16));
        await using var _ = listener;
        await using var __ = opener;
        await using var ___ = peer;

        int written = 0;
        while (opener.Numbers.TryWrite(written))
            written++;
        Assert.Equal(16, written);
        ValueTask<bool> wait = opener.Numbers.WaitToWriteAsync();
        Assert.False(wait.IsCompleted);

        for (int i = 0; i < 4; i++)
            Assert.Equal(i, await peer.Numbers.ReadAsync().AsTask().WaitAsync(Timeout));
        Assert.True(await wait.AsTask().WaitAsync(Timeout));
        Assert.True(opener.Numbers.TryWrite(16));
    }

    [Fact]
    public async Task AReaderThatLagsTakesTheWholeWindowInOrderAcrossRingGrowthAndWrapAround()
    {
        // A window that is not a power of two, far above the reader ring's first size: the ring grows several times
        // while messages it already holds sit across its end.
        const int window = 3000;
        var (listener, opener, peer) = await ConnectAsync(peerOptions: _directory.Options(windowMessages: window));
        await using var _ = listener;
        await using var __ = opener;
        await using var ___ = peer;

        long next = 0;
        for (int i = 0; i < 50; i++)
            await opener.Numbers.WriteAsync(next++).AsTask().WaitAsync(Timeout);
        for (long expected = 0; expected < 30; expected++)
            Assert.Equal(expected, await peer.Numbers.ReadAsync().AsTask().WaitAsync(Timeout));

        // Thirty read is less than a quarter window, so no credit came back: the writer stops at the window.
        while (opener.Numbers.TryWrite(next))
            next++;
        Assert.Equal(window, next);
        await WaitUntilBufferedAsync(peer, window - 30);

        for (long expected = 30; expected < next; expected++)
        {
            Assert.True(peer.Numbers.TryRead(out long n), $"message {expected} should be buffered");
            Assert.Equal(expected, n);
        }
        Assert.False(peer.Numbers.TryRead(out long _));
        Assert.True(await opener.Numbers.WaitToWriteAsync().AsTask().WaitAsync(Timeout));
    }

    private static async Task WaitUntilBufferedAsync(ISimple.Peer peer, int count)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (peer.Numbers.Count < count)
            await Task.Delay(5, timeout.Token);
    }

    [Fact]
    public async Task DisposingThePeerEndsTheOpenersReadsAndWritesWithoutPeerLoss()
    {
        var (listener, opener, peer) = await ConnectAsync();
        await using var _ = listener;
        await using var __ = opener;
        await peer.Echoes.WriteAsync(5);

        await peer.DisposeAsync();

        Assert.Equal(5, await opener.Echoes.ReadAsync().AsTask().WaitAsync(Timeout));
        Assert.False(await opener.Echoes.WaitToReadAsync().AsTask().WaitAsync(Timeout));
        await opener.Echoes.Completion.WaitAsync(Timeout);
        await Assert.ThrowsAsync<ChannelClosedException>(async () =>
        {
            while (true)
                await opener.Numbers.WriteAsync(1).AsTask().WaitAsync(Timeout);
        });
    }

    [Fact]
    public async Task LargeMessagesCrossAndOversizedOnesAreRefusedAtTheWriter()
    {
        var (listener, opener, peer) = await ConnectAsync(peerOptions: _directory.Options(maxFrameSize: 4 * 1024 * 1024));
        await using var _ = listener;
        await using var __ = opener;
        await using var ___ = peer;

        string big = new('z', 1_500_000); // larger than the receive buffer
        await opener.Notes.WriteAsync(big);
        Assert.Equal(big, await peer.Notes.ReadAsync().AsTask().WaitAsync(Timeout));

        string tooBig = new('z', 5_000_000);
        await Assert.ThrowsAsync<ArgumentException>(async () => await opener.Notes.WriteAsync(tooBig));
        await opener.Notes.WriteAsync("still fine");
        Assert.Equal("still fine", await peer.Notes.ReadAsync().AsTask().WaitAsync(Timeout));
    }

    [Fact]
    public async Task MessagesThatOverflowTheOpenBatchStartANewFrameAndAnOversizedOneLeavesTheBatchIntact()
    {
        // A 256-byte frame limit on the peer holds two of these notes per Batch frame: the third of each run no
        // longer fits the open frame and starts a new one. The oversized note in the middle is refused alone.
        var (listener, opener, peer) = await ConnectAsync(peerOptions: _directory.Options(maxFrameSize: 256));
        await using var _ = listener;
        await using var __ = opener;
        await using var ___ = peer;

        string Note(int i) => i.ToString("D3") + new string('n', 90);
        for (int i = 0; i < 40; i++)
        {
            Assert.True(opener.Notes.TryWrite(Note(i)));
            if (i == 20)
                Assert.Throws<ArgumentException>(() => opener.Notes.TryWrite(new string('x', 300)));
        }

        for (int i = 0; i < 40; i++)
            Assert.Equal(Note(i), await peer.Notes.ReadAsync().AsTask().WaitAsync(Timeout));
        Assert.False(peer.Notes.TryRead(out string? extra), $"unexpected message: {extra}");
    }

    [Fact]
    public async Task APipePeerEndHandedOverConnectsThroughItsPrivateSocket()
    {
        var (opener, peer) = ISimple.CreatePipe(_directory.Options());
        await using var openerScope = opener;
        ChannelLink peerLink = ((IChannelEndpoint)peer).Link;

        (string endpoint, byte[] key) = peerLink.DetachForChild();
        Assert.StartsWith("unix:" + _directory.Path, endpoint);
        Assert.Throws<InvalidOperationException>(() => peer.Numbers.TryRead(out _));
        Assert.Throws<InvalidOperationException>(() => peerLink.DetachForChild());

        // A client with another key is refused; the rightful one still gets in.
        await Assert.ThrowsAsync<AuthenticationFailedException>(async () =>
            await ISimple.Peer.ConnectAsync(endpoint, _directory.Options(key: new byte[32])).AsTask().WaitAsync(Timeout));
        await using ISimple.Peer child = await ISimple.Peer.ConnectAsync(endpoint, _directory.Options(key: key)).AsTask().WaitAsync(Timeout);

        await opener.Numbers.WriteAsync(11).AsTask().WaitAsync(Timeout);
        Assert.Equal(11, await child.Numbers.ReadAsync().AsTask().WaitAsync(Timeout));
        await child.Echoes.WriteAsync(12);
        Assert.Equal(12, await opener.Echoes.ReadAsync().AsTask().WaitAsync(Timeout));
        Assert.Empty(_directory.LeftoverFiles());
    }

    [Fact]
    public async Task AReaderContinuationThatBlocksOnItsOwnLinkDoesNotStopTheLinkReceiving()
    {
        var (listener, opener, peer) = await ConnectAsync();
        await using var _ = listener;
        await using var __ = opener;
        await using var ___ = peer;
        // Messages in quick succession: a socket link then receives on a thread of its own.
        for (int i = 0; i < 20; i++)
        {
            await opener.Numbers.WriteAsync(i);
            Assert.Equal(i, await peer.Numbers.ReadAsync().AsTask().WaitAsync(Timeout));
        }

        Task<(string? Thread, string Note)> blocked = WaitThenBlockOnANoteAsync(peer);
        await opener.Numbers.WriteAsync(100);
        await Task.Delay(100);
        await opener.Notes.WriteAsync("after");

        var (thread, note) = await blocked.WaitAsync(Timeout);
        Assert.Equal("after", note);
        if (!sharedMemory)
            Assert.Equal("Channels socket receive", thread); // the wake-up ran on the receive thread, with no hop
    }

    // Parks on Numbers, then blocks the thread its continuation runs on until a Note arrives over the same link.
    private static async Task<(string? Thread, string Note)> WaitThenBlockOnANoteAsync(ISimple.Peer peer)
    {
        Assert.True(await peer.Numbers.WaitToReadAsync());
        string? thread = Thread.CurrentThread.Name;
        Assert.True(peer.Numbers.TryRead(out long number));
        Assert.Equal(100, number);
        string note = peer.Notes.ReadAsync().AsTask().GetAwaiter().GetResult();
        return (thread, note);
    }

    [Fact]
    public async Task DisposingAnUnconnectedPipeOpenerRemovesItsSocket()
    {
        var (opener, peer) = ISimple.CreatePipe(_directory.Options());
        ((IChannelEndpoint)peer).Link.DetachForChild();
        Assert.Single(_directory.LeftoverFiles());

        await opener.DisposeAsync();

        Assert.Empty(_directory.LeftoverFiles());
    }
}

/// <summary>The suite with its links kept on the Unix socket.</summary>
public sealed class SocketLinkTestsOverSocket() : SocketLinkTests(sharedMemory: false)
{
    // After the handshake a link moves to a socket pair of its own (PrivateSocketPair): the two ends of a link hold
    // the two ends of one pair, and closing the link closes both, whether the opener or the peer goes first.
    [Fact]
    public async Task LinksCarriedByTheirOwnSocketPairLeaveNoDescriptorBehindWhenClosed()
    {
        using var directory = new TestRuntimeDirectory { SharedMemory = false };
        await using var listener = ISimple.Listen("pairs", directory.Options());
        var inodes = new List<string>();
        for (int i = 0; i < 20; i++)
        {
            ISimple.Peer peer = await ISimple.Peer.ConnectAsync("pairs", directory.Options()).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            ISimple opener = await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            await peer.Echoes.WriteAsync(i);
            Assert.Equal(i, await opener.Echoes.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
            string openerSocket = SocketInode((IChannelEndpoint)opener);
            string peerSocket = SocketInode((IChannelEndpoint)peer);
            Assert.NotEqual(openerSocket, peerSocket);
            inodes.Add(openerSocket);
            inodes.Add(peerSocket);
            if (i % 2 == 0)
            {
                await opener.DisposeAsync();
                await peer.DisposeAsync();
            }
            else
            {
                await peer.DisposeAsync();
                await opener.DisposeAsync();
            }
        }

        string[] open = Directory.GetFiles("/proc/self/fd").Select(Target).ToArray();
        Assert.Empty(inodes.Intersect(open));
    }

    private static string SocketInode(IChannelEndpoint endpoint)
    {
        var transport = Assert.IsType<Channels.Transports.UnixSocket.UnixSocketTransport>(endpoint.Link.Transport);
        string target = Target($"/proc/self/fd/{transport.SafeHandle.DangerousGetHandle()}");
        Assert.StartsWith("socket:[", target);
        return target;
    }

    private static string Target(string fd)
    {
        try
        {
            return new FileInfo(fd).LinkTarget ?? "";
        }
        catch (IOException)
        {
            return ""; // closed meanwhile
        }
    }
}

/// <summary>The suite with its links in shared memory.</summary>
public sealed class SocketLinkTestsOverSharedMemory() : SocketLinkTests(sharedMemory: true);
