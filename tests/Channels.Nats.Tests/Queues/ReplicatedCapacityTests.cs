using System.Collections.Concurrent;
using System.Diagnostics;
using Channels.Nats.Peer;
using Channels.Nats.Queues;
using Channels.Nats.Tests.Infrastructure;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Xunit.Abstractions;

namespace Channels.Nats.Tests.Queues;

/// <summary>
/// A bounded queue whose streams have 3 replicas keeps its capacity with <see cref="SequencedPuts"/> (not the
/// stream's <c>MaxMsgs</c>, which 2.9's replicas judge each on their own): a full queue refuses and blocks puts as on
/// one server, concurrent producers on different nodes never take it above its capacity, and every put that returned
/// is got once. A 3-node cluster on loopback, no node killed (the cluster tests do that).
/// </summary>
public sealed class ReplicatedCapacityTests(ITestOutputHelper output)
{
    private const string Lane = "Items";

    private static ChannelOptions Options() => new()
    {
        Transport = new NatsTransportOptions
        {
            AckWait = TimeSpan.FromSeconds(30),
            Replicas = 3,
            Connection = NatsOpts.Default with { ConnectTimeout = TimeSpan.FromSeconds(15) },
        },
    };

    [Fact]
    public async Task A_replicated_bounded_queue_refuses_and_blocks_puts_when_full_and_never_holds_more_than_its_capacity()
    {
        var total = Stopwatch.StartNew();
        await using var cluster = await NatsCluster.StartAsync();
        output.WriteLine($"{total.Elapsed.TotalSeconds:0.0} s: cluster up");
        string name = TestKeys.NewName("rcap");
        await using var board = INatsSmallBoard.Create($"{cluster.Nodes[0].Url}/{name}", Options());
        await using var other = await INatsSmallBoard.OpenAsync($"{cluster.Nodes[1].Url}/{name}", Options());

        // The capacity is the puts' own: the stream has no MaxMsgs, and 3 replicas.
        await using (var connection = new NatsConnection(NatsOpts.Default with { Url = cluster.Urls }))
        {
            INatsJSStream stream = await new NatsJSContext(connection).GetStreamAsync(QueueStreams.For(name, Lane).Items);
            Assert.Equal(-1, stream.Info.Config.MaxMsgs);
            Assert.Equal(3, stream.Info.Config.NumReplicas);
        }

        output.WriteLine($"{total.Elapsed.TotalSeconds:0.0} s: queue created and opened");
        // Full: a put times out with QueueFullException, TryPut refuses, from either process.
        board.Items.Put(1, TimeSpan.FromSeconds(10));
        other.Items.Put(2, TimeSpan.FromSeconds(10));
        var watch = Stopwatch.StartNew();
        Assert.Throws<QueueFullException>(() => board.Items.Put(3, TimeSpan.FromMilliseconds(300)));
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        Assert.False(other.Items.TryPut(3));
        await Assert.ThrowsAsync<QueueFullException>(async () => await other.Items.PutAsync(3, TimeSpan.FromMilliseconds(300)));

        // Room again once an item is got: the waiting put completes, in order.
        Task put = other.Items.PutAsync(3, TimeSpan.FromSeconds(10)).AsTask();
        Assert.Equal(1, board.Items.Get(TimeSpan.FromSeconds(5)));
        await put.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, board.Items.Get(TimeSpan.FromSeconds(5)));
        Assert.Equal(3, other.Items.Get(TimeSpan.FromSeconds(5)));

        output.WriteLine($"{total.Elapsed.TotalSeconds:0.0} s: full queue checked");
        // Two producers (one per node), 16 concurrent puts each, a slow getter: the stream never holds more than 2
        // items, and every item whose put returned is got exactly once.
        const int Producers = 2, PutsEach = 16, ItemsEach = 64;
        var returned = new ConcurrentDictionary<int, bool>();
        var got = new ConcurrentDictionary<int, int>();
        using var stop = new CancellationTokenSource();
        Task<ulong> monitor = MonitorAsync(cluster, name, stop.Token);
        long longestPut = 0, longestGet = 0;
        var puts = new List<Task>();
        for (int producer = 0; producer < Producers; producer++)
        {
            ProcessQueue<int> items = producer == 0 ? board.Items : other.Items;
            for (int p = 0; p < PutsEach; p++)
            {
                int first = 100 + ((producer * PutsEach) + p) * ItemsEach / PutsEach;
                puts.Add(Task.Run(async () =>
                {
                    for (int item = first; item < first + ItemsEach / PutsEach; item++)
                    {
                        long start = Environment.TickCount64;
                        await items.PutAsync(item, TimeSpan.FromSeconds(60));
                        InterlockedMax(ref longestPut, Environment.TickCount64 - start);
                        returned[item] = true;
                    }
                }));
            }
        }
        int all = Producers * ItemsEach;
        Task getter = Task.Run(async () =>
        {
            for (int n = 0; n < all; n++)
            {
                long start = Environment.TickCount64;
                int item = await board.Items.GetAsync(TimeSpan.FromSeconds(30));
                InterlockedMax(ref longestGet, Environment.TickCount64 - start);
                got.AddOrUpdate(item, 1, static (_, times) => times + 1);
                await Task.Delay(3);
            }
        });
        await Task.WhenAll(puts).WaitAsync(TimeSpan.FromSeconds(90));
        await getter.WaitAsync(TimeSpan.FromSeconds(90));
        stop.Cancel();
        ulong most = await monitor;

        output.WriteLine($"{total.Elapsed.TotalSeconds:0.0} s: {all} items put and got, at most {most} in the stream; longest put {longestPut} ms, longest get {longestGet} ms");
        Assert.Equal(all, returned.Count);
        foreach (int item in returned.Keys)
            Assert.True(got.TryGetValue(item, out int count) && count == 1, $"Item {item} was got {count} times.");
        Assert.Equal(all, got.Count);
        Assert.InRange(most, 1UL, 2UL);
        Assert.Throws<QueueEmptyException>(() => board.Items.Get(TimeSpan.FromMilliseconds(200)));

        // A queue made by an earlier version (its stream with MaxMsgs) loses that limit when it is created again.
        string old = TestKeys.NewName("rcap-old");
        await using (INatsSmallBoard made = INatsSmallBoard.Create($"{cluster.Nodes[0].Url}/{old}", Options()))
        {
            made.Items.Put(1, TimeSpan.FromSeconds(10));
            await using var connection = new NatsConnection(NatsOpts.Default with { Url = cluster.Urls });
            var js = new NatsJSContext(connection);
            INatsJSStream stream = await js.GetStreamAsync(QueueStreams.For(old, Lane).Items);
            await js.UpdateStreamAsync(stream.Info.Config with { MaxMsgs = 2 });
        }
        await using (INatsSmallBoard again = INatsSmallBoard.Create($"{cluster.Nodes[1].Url}/{old}", Options()))
        {
            again.Items.Put(2, TimeSpan.FromSeconds(10));
            await using var connection = new NatsConnection(NatsOpts.Default with { Url = cluster.Urls });
            INatsJSStream stream = await new NatsJSContext(connection).GetStreamAsync(QueueStreams.For(old, Lane).Items);
            Assert.Equal(-1, stream.Info.Config.MaxMsgs);
        }
    }

    [Theory]
    [InlineData("wrong last sequence: 42", true, 42UL)]
    [InlineData("wrong last sequence: 0", true, 0UL)]
    [InlineData("wrong last sequence", false, 0UL)]
    [InlineData(null, false, 0UL)]
    public void The_last_sequence_named_by_a_refusal_is_read(string? description, bool read, ulong last)
    {
        Assert.Equal(read, SequencedPuts.TryParseLast(description, out ulong found));
        Assert.Equal(last, found);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long seen = Volatile.Read(ref target);
        while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is long now && now != seen)
            seen = now;
    }

    /// <summary>The most messages the items stream held at any reading (its leader's count), until <paramref name="stop"/>.</summary>
    private static async Task<ulong> MonitorAsync(NatsCluster cluster, string name, CancellationToken stop)
    {
        await using var connection = new NatsConnection(NatsOpts.Default with { Url = cluster.Urls });
        var js = new NatsJSContext(connection);
        string stream = QueueStreams.For(name, Lane).Items;
        ulong most = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                INatsJSStream info = await js.GetStreamAsync(stream, cancellationToken: CancellationToken.None);
                most = Math.Max(most, (ulong)info.Info.State.Messages);
            }
            catch (NatsException)
            {
                // A busy machine: no answer in time; the next reading counts.
            }
            await Task.Delay(10, CancellationToken.None);
        }
        return most;
    }
}
