using System.Threading.Channels;
using Channels.Runtime.Tests.Infrastructure;
using Channels.Wire;
using Xunit;

namespace Channels.Runtime.Tests.Lanes;

/// <summary>Rings of nodes, one way.</summary>
[ChannelContract]
public partial interface IGraphs
{
    ChannelWriter<RingNode> Rings { get; }
}

/// <summary>
/// A link encodes <c>[MemoryPackable]</c> messages itself (<see cref="PackableEncoder{T}"/>): messages whose encoding
/// records references (a circular graph) must arrive whole, message after message written by one thread, over the
/// socket and over shared memory, also when the same objects are written again (a writer state that kept the last
/// message's references would send only a reference the reader cannot resolve), and a message that cannot be encoded
/// must fail its write and leave the next ones intact.
/// </summary>
public sealed class PackableLinkTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly List<TestRuntimeDirectory> _directories = [];

    public void Dispose()
    {
        foreach (TestRuntimeDirectory directory in _directories)
            directory.Dispose();
    }

    // Ring number: three nodes whose last points back at the first.
    private static RingNode RingOf(long number)
    {
        var first = new RingNode { Value = number, Label = "ring " + number };
        var second = new RingNode { Value = number + 1, Label = number % 3 == 0 ? null : new string('x', (int)(number % 200)) };
        var third = new RingNode { Value = number + 2, Label = "last", Next = first };
        first.Next = second;
        second.Next = third;
        return first;
    }

    private static void AssertRing(long number, RingNode ring)
    {
        RingNode expected = RingOf(number);
        Assert.Equal(expected.Value, ring.Value);
        Assert.Equal(expected.Label, ring.Label);
        Assert.Equal(expected.Next!.Label, ring.Next!.Label);
        Assert.Equal(number + 2, ring.Next.Next!.Value);
        Assert.Same(ring, ring.Next.Next.Next);
    }

    [Theory]
    [InlineData(false, "unix")]
    [InlineData(true, "shm")]
    public async Task CircularGraphsArriveWholeEvenWrittenAgainAndAFailedEncodingLeavesTheNextIntact(bool sharedMemory, string transport)
    {
        Assert.True(PackableEncoder<RingNode>.IsAvailable);
        var directory = new TestRuntimeDirectory { SharedMemory = sharedMemory };
        _directories.Add(directory);
        ChannelOptions options = directory.Options(windowMessages: 256);
        string endpoint = "graphs-" + transport;
        const int Rings = 5000;

        await using var listener = IGraphs.Listen(endpoint, options);
        await using IGraphs.Peer peer = await IGraphs.Peer.ConnectAsync(endpoint, options).AsTask().WaitAsync(Timeout);
        await using IGraphs opener = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);

        // Every tenth message is this one ring, the same objects each time: each message must carry it whole (the
        // references recorded while encoding one message are not the next message's).
        RingNode[] repeated = new RingNode[Rings / 10];
        RingNode shared = RingOf(0);
        Task writing = Task.Run(async () =>
        {
            for (long number = 0; number < Rings; number++)
            {
                if (number % 10 == 5)
                {
                    await opener.Rings.WriteAsync(shared);
                    continue;
                }
                if (number % 500 == 250)
                {
                    RingNode poisoned = RingOf(1_000_000 + number);
                    poisoned.Next!.Poisoned = true;
                    var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => opener.Rings.WriteAsync(poisoned).AsTask());
                    Assert.Equal("poisoned node", failure.Message);
                }
                await opener.Rings.WriteAsync(RingOf(number));
            }
            opener.Rings.Complete();
        });
        long received = 0;
        Task reading = Task.Run(async () =>
        {
            await foreach (RingNode ring in peer.Rings.ReadAllAsync())
            {
                if (received % 10 == 5)
                {
                    AssertRing(0, ring);
                    repeated[received / 10] = ring;
                }
                else
                {
                    AssertRing(received, ring);
                }
                received++;
            }
        });
        // A failed writer ends the test with its own exception, not with the reader's wait.
        await (await Task.WhenAny(writing, reading).WaitAsync(Timeout));
        await Task.WhenAll(writing, reading).WaitAsync(Timeout);
        Assert.Equal(Rings, received);
        // Decoded anew each time: distinct graphs on this side.
        Assert.Equal(repeated.Length, repeated.Distinct(ReferenceEqualityComparer.Instance).Count());
    }
}
