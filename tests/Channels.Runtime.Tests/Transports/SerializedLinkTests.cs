using System.Threading.Channels;
using Channels.TestChild.Contracts;
using Xunit;

namespace Channels.Runtime.Tests.Transports;

/// <summary>
/// Lanes over a transport other than the Unix socket (the in-process one): the link, its credit and completion work
/// unchanged whatever carries the frames.
/// </summary>
public sealed class SerializedLinkTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task MessagesCreditAndCompletionCrossTheInProcessTransportInBothDirections()
    {
        var (opener, peer) = LinkFactory.CreateSerializedPipe(ISimple.Definition, new ChannelOptions { LaneWindowMessages = 16 });
        await using var _ = opener;
        await using var __ = peer;
        const int count = 10_000; // far more than the window: credit must come back over the transport

        Task writer = Task.Run(async () =>
        {
            for (long i = 0; i < count; i++)
                await opener.Numbers.WriteAsync(i);
            opener.Numbers.Complete();
        });
        Task echo = Task.Run(async () =>
        {
            await foreach (long n in peer.Numbers.ReadAllAsync())
                await peer.Echoes.WriteAsync(-n);
            peer.Echoes.Complete(new InvalidOperationException("echo ended"));
        });
        long expected = 0;
        var reading = new CancellationTokenSource(Timeout);
        var ex = await Assert.ThrowsAsync<ChannelClosedException>(async () =>
        {
            await foreach (long n in opener.Echoes.ReadAllAsync(reading.Token))
                Assert.Equal(-expected++, n);
        });
        Assert.Equal(count, expected);
        var remote = Assert.IsType<RemoteException>(ex.InnerException);
        Assert.Contains("echo ended", remote.Message);
        await Task.WhenAll(writer, echo).WaitAsync(Timeout);
    }

    [Fact]
    public async Task DisposingOneEndClosesTheOtherInOrder()
    {
        var (opener, peer) = LinkFactory.CreateSerializedPipe(ISimple.Definition, new ChannelOptions());
        await using var __ = peer;
        await opener.Notes.WriteAsync("last words");
        await opener.DisposeAsync();

        Assert.Equal("last words", await peer.Notes.ReadAsync().AsTask().WaitAsync(Timeout));
        Assert.False(await peer.Notes.WaitToReadAsync().AsTask().WaitAsync(Timeout));
        // The Close frame follows the lanes' completions: the peer's writers close once it has been processed, which
        // may be just after its reader saw Notes end (a loaded machine showed that window). From then on writes fail.
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline && peer.Echoes.TryWrite(1))
            await Task.Delay(10);
        await Assert.ThrowsAsync<ChannelClosedException>(async () => await peer.Echoes.WriteAsync(1).AsTask().WaitAsync(Timeout));
    }
}
