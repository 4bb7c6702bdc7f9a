using Channels.Runtime.Tests.Infrastructure;
using Channels.TestChild.Contracts;
using Channels.TestChild.Scenarios;
using Xunit;

namespace Channels.Runtime.Tests.Lanes;

/// <summary>
/// Lanes stay independent while one reader works through a backlog: over shared memory the receive thread leaves
/// arriving frames to such a reader for a while (it polls the ring itself once done), which must not hold back the
/// messages of the other lanes until that backlog is gone.
/// </summary>
public abstract class BacklogTests(bool sharedMemory) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TestRuntimeDirectory _directory = new() { SharedMemory = sharedMemory };

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AnotherLanesMessagesArriveWhileOneReaderWorksThroughItsBacklog()
    {
        const int Orders = 3000;
        const int Ticks = 50;
        ChannelOptions options = _directory.Options();
        await using var listener = ITransfer.Listen("backlog", options);
        await using ITransfer.Peer peer = await ITransfer.Peer.ConnectAsync("backlog", options).AsTask().WaitAsync(Timeout);
        await using ITransfer opener = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);

        // Every order is delivered at once (well inside the window); its reader takes one a millisecond or more.
        for (int i = 0; i < Orders; i++)
            await opener.Orders.WriteAsync(Checksums.MakeOrder(i));
        int ordersRead = 0;
        Task orders = Task.Run(async () =>
        {
            await foreach (Order order in peer.Orders.ReadAllAsync())
            {
                Assert.Equal(ordersRead, order.Id);
                Interlocked.Increment(ref ordersRead);
                await Task.Delay(1);
            }
        });

        // Ticks written one at a time meanwhile, each to a reader that has given up polling and parked.
        for (int i = 0; i < Ticks; i++)
        {
            Task<Tick> read = peer.Ticks.ReadAsync().AsTask();
            await Task.Delay(5);
            await opener.Ticks.WriteAsync(Checksums.MakeTick(i));
            Tick tick = await read.WaitAsync(Timeout);
            Assert.Equal(i, tick.Sequence);
        }

        // Fifty round trips took less than the backlog's three seconds: they did not wait for it.
        Assert.True(Volatile.Read(ref ordersRead) < Orders, "the ticks arrived only after every order had been read");
        opener.Orders.Complete();
        await orders.WaitAsync(Timeout);
        Assert.Equal(Orders, ordersRead);
    }
}

/// <summary>The suite over the Unix socket.</summary>
public sealed class BacklogTestsOverSocket() : BacklogTests(sharedMemory: false);

/// <summary>The suite over shared memory.</summary>
public sealed class BacklogTestsOverSharedMemory() : BacklogTests(sharedMemory: true);
