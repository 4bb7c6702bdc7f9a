using System.Threading.Channels;
using Channels.Contracts;
using Channels.TestChild.Contracts;
using Xunit;

namespace Channels.Runtime.Tests.Lanes;

/// <summary>CreatePipe with both ends in one process: objects pass without serialization, with the same lane semantics.</summary>
public sealed class InProcessPipeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task MessagesArriveInOrderAndCompletionEndsReadAllAfterThem()
    {
        var (opener, peer) = ISimple.CreatePipe();
        await using var _ = opener;
        await using var __ = peer;

        Task writer = Task.Run(async () =>
        {
            for (long i = 0; i < 20_000; i++)
                await opener.Numbers.WriteAsync(i);
            opener.Numbers.Complete();
        });
        long expected = 0;
        await foreach (long n in peer.Numbers.ReadAllAsync().WithCancellation(new CancellationTokenSource(Timeout).Token))
            Assert.Equal(expected++, n);
        Assert.Equal(20_000, expected);
        await writer.WaitAsync(Timeout);
        await peer.Numbers.Completion.WaitAsync(Timeout);
        Assert.False(await peer.Numbers.WaitToReadAsync());
        await Assert.ThrowsAsync<ChannelClosedException>(async () => await peer.Numbers.ReadAsync());
    }

    [Fact]
    public async Task TheOpenerWritesItsWholeWindowBeforeThePeerEndIsFirstTouched()
    {
        var (opener, peer) = ISimple.CreatePipe(new ChannelOptions { LaneWindowMessages = 8 });
        await using var _ = opener;
        await using var __ = peer;

        for (int i = 0; i < 8; i++)
            Assert.True(opener.Numbers.TryWrite(i), $"write {i} should fit in the window of 8 before the peer end is used");
        Assert.False(opener.Numbers.TryWrite(8));
        opener.Numbers.Complete();

        long expected = 0;
        await foreach (long n in peer.Numbers.ReadAllAsync().WithCancellation(new CancellationTokenSource(Timeout).Token))
            Assert.Equal(expected++, n);
        Assert.Equal(8, expected);
    }

    [Fact]
    public async Task TheDefaultWindowIsBufferedInOrderWhileTheReaderLagsAndItsRingGrows()
    {
        var (opener, peer) = ISimple.CreatePipe();
        await using var _ = opener;
        await using var __ = peer;
        int window = ChannelOptions.Default.LaneWindowMessages;

        long next = 0;
        for (int i = 0; i < 100; i++)
            Assert.True(opener.Numbers.TryWrite(next++));
        for (long expected = 0; expected < 70; expected++)
        {
            Assert.True(peer.Numbers.TryRead(out long n));
            Assert.Equal(expected, n);
        }
        while (opener.Numbers.TryWrite(next))
            next++;
        Assert.Equal(window, next);
        Assert.Equal(window - 70, peer.Numbers.Count);

        for (long expected = 70; expected < next; expected++)
        {
            Assert.True(peer.Numbers.TryRead(out long n), $"message {expected} should be buffered");
            Assert.Equal(expected, n);
        }
        Assert.False(peer.Numbers.TryRead(out long _));
        Assert.True(await opener.Numbers.WaitToWriteAsync().AsTask().WaitAsync(Timeout));
    }

    [Fact]
    public async Task TryWriteReturnsFalseAtTheReadersWindowAndReadingReturnsWindow()
    {
        var (opener, peer) = ISimple.CreatePipe(new ChannelOptions { LaneWindowMessages = 8 });
        await using var _ = opener;
        await using var __ = peer;
        Assert.False(peer.Numbers.TryRead(out long _)); // first use of the peer end joins the pipe in process

        for (int i = 0; i < 8; i++)
            Assert.True(opener.Numbers.TryWrite(i), $"write {i} should fit in the window of 8");
        Assert.False(opener.Numbers.TryWrite(8));
        Assert.Equal(8, peer.Numbers.Count);

        ValueTask pending = opener.Numbers.WriteAsync(8);
        Assert.False(pending.IsCompleted);
        Assert.True(peer.Numbers.TryRead(out long first));
        Assert.True(peer.Numbers.TryRead(out long second));
        Assert.Equal((0L, 1L), (first, second));
        await pending.AsTask().WaitAsync(Timeout); // window returned in batches of a quarter (2 messages)
        Assert.True(peer.Numbers.TryPeek(out long next));
        Assert.Equal(2, next);
    }

    [Fact]
    public async Task CompleteWithErrorReachesTheReaderAsChannelClosedWithRemoteException()
    {
        var (opener, peer) = ISimple.CreatePipe();
        await using var _ = opener;
        await using var __ = peer;

        await peer.Echoes.WriteAsync(7);
        peer.Echoes.Complete(new InvalidOperationException("worker failed"));

        Assert.Equal(7, await opener.Echoes.ReadAsync());
        var ex = await Assert.ThrowsAsync<ChannelClosedException>(async () => await opener.Echoes.ReadAsync());
        var remote = Assert.IsType<RemoteException>(ex.InnerException);
        Assert.Equal("System.InvalidOperationException", remote.RemoteType);
        Assert.Equal("worker failed", remote.RemoteMessage);
        await Assert.ThrowsAsync<ChannelClosedException>(() => opener.Echoes.Completion.WaitAsync(Timeout));
        Assert.False(peer.Echoes.TryWrite(8));
        await Assert.ThrowsAsync<ChannelClosedException>(async () => await peer.Echoes.WriteAsync(8));
    }

    [Fact]
    public async Task DisposingOneEndCompletesTheOtherEndsReadersAndClosesItsWriters()
    {
        var (opener, peer) = ISimple.CreatePipe();
        await using var _ = opener;
        await peer.Echoes.WriteAsync(1);
        ValueTask<long> pendingRead = peer.Numbers.ReadAsync();

        await peer.DisposeAsync();

        Assert.Equal(1, await opener.Echoes.ReadAsync());
        Assert.False(await opener.Echoes.WaitToReadAsync().AsTask().WaitAsync(Timeout));
        Assert.False(await opener.Numbers.WaitToWriteAsync().AsTask().WaitAsync(Timeout));
        await Assert.ThrowsAsync<ChannelClosedException>(async () => await opener.Numbers.WriteAsync(1));
        await Assert.ThrowsAsync<ChannelClosedException>(async () => await pendingRead);
    }

    [Fact]
    public async Task PendingReadsAndWritesHonourCancellation()
    {
        var (opener, peer) = ISimple.CreatePipe(new ChannelOptions { LaneWindowMessages = 1 });
        await using var _ = opener;
        await using var __ = peer;
        using var cts = new CancellationTokenSource();

        ValueTask<long> read = peer.Numbers.ReadAsync(cts.Token);
        Assert.True(opener.Numbers.TryWrite(1));
        Assert.Equal(1, await read.AsTask().WaitAsync(Timeout));

        Assert.True(opener.Numbers.TryWrite(2));
        ValueTask blocked = opener.Numbers.WriteAsync(3, cts.Token);
        ValueTask<long> echo = opener.Echoes.ReadAsync(cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await blocked);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await echo);

        // The lanes still work after a cancelled wait.
        Assert.Equal(2, await peer.Numbers.ReadAsync());
        await opener.Numbers.WriteAsync(4).AsTask().WaitAsync(Timeout);
        Assert.Equal(4, await peer.Numbers.ReadAsync());
    }

    [Fact]
    public async Task ObjectsPassWithoutSerialization()
    {
        var (opener, peer) = ITransfer.CreatePipe();
        await using var _ = opener;
        await using var __ = peer;
        var order = new Order(1, "same instance", new Address("Here", 1));

        ValueTask<Order> read = peer.Orders.ReadAsync();
        await opener.Orders.WriteAsync(order);

        Assert.Same(order, await read);
    }

    [Fact]
    public void DetachForChildRefusesEndsThatAreUsedOrAreOpeners()
    {
        var (opener, peer) = ISimple.CreatePipe();
        ChannelLink openerLink = ((IChannelEndpoint)opener).Link;
        ChannelLink peerLink = ((IChannelEndpoint)peer).Link;

        Assert.Contains("peer end", Assert.Throws<InvalidOperationException>(() => openerLink.DetachForChild()).Message);
        peer.Numbers.TryRead(out _);
        Assert.Contains("in use", Assert.Throws<InvalidOperationException>(() => peerLink.DetachForChild()).Message);
    }
}
