using System.Diagnostics;
using System.Globalization;
using Channels.Runtime.Tests.Infrastructure;
using Channels.TestChild.Contracts;
using Channels.TestChild.Scenarios;
using Xunit;
using Xunit.Abstractions;

namespace Channels.Runtime.Tests.CrossProcess;

/// <summary>Acceptance 1: a million messages on three lanes between two processes, in order, with equal checksums.</summary>
public abstract class TransferTests(bool sharedMemory, ITestOutputHelper output) : IDisposable
{
    private const int Orders = 300_000;
    private const int Ticks = 500_000;
    private const int Receipts = 200_000;
    private readonly TestRuntimeDirectory _directory = new() { SharedMemory = sharedMemory };

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AMillionMessagesOnThreeLanesArriveInOrderWithEqualChecksums()
    {
        await using var listener = ITransfer.Listen("transfer", _directory.Options());
        await using Child child = Child.Start(_directory, "transfer", ["transfer", Receipts.ToString(CultureInfo.InvariantCulture)]);
        await using ITransfer opener = await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();

        Task<ulong> orders = Task.Run(async () =>
        {
            ulong sum = 0;
            for (long i = 0; i < Orders; i++)
            {
                Order order = Checksums.MakeOrder(i);
                sum = Checksums.Add(sum, Checksums.Of(order));
                await opener.Orders.WriteAsync(order);
            }
            opener.Orders.Complete();
            return sum;
        });
        Task<ulong> ticks = Task.Run(async () =>
        {
            ulong sum = 0;
            for (long i = 0; i < Ticks; i++)
            {
                Tick tick = Checksums.MakeTick(i);
                sum = Checksums.Add(sum, Checksums.Of(tick));
                await opener.Ticks.WriteAsync(tick);
            }
            opener.Ticks.Complete();
            return sum;
        });
        long received = 0;
        ulong receiptSum = 0;
        await foreach (Receipt receipt in opener.Receipts.ReadAllAsync())
        {
            Assert.Equal(received, receipt.OrderId);
            receiptSum = Checksums.Add(receiptSum, Checksums.Of(receipt));
            received++;
        }
        ulong orderSum = await orders.WaitAsync(TimeSpan.FromSeconds(120));
        ulong tickSum = await ticks.WaitAsync(TimeSpan.FromSeconds(120));

        string childOrders = await child.WaitForLineAsync("orders ", TimeSpan.FromSeconds(120));
        string childTicks = await child.WaitForLineAsync("ticks ");
        string childReceipts = await child.WaitForLineAsync("receipts ");
        clock.Stop();
        Assert.Equal(0, await child.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal($"orders {Orders} {orderSum}", childOrders);
        Assert.Equal($"ticks {Ticks} {tickSum}", childTicks);
        Assert.Equal($"receipts {Receipts} {receiptSum}", childReceipts);
        Assert.Equal(Receipts, received);
        int total = Orders + Ticks + Receipts;
        output.WriteLine($"{total} messages in {clock.Elapsed.TotalSeconds:0.000} s: {total / clock.Elapsed.TotalSeconds:N0} msg/s (both processes on a shared 2-core machine)");
    }
}

/// <summary>The suite with its links kept on the Unix socket.</summary>
public sealed class TransferTestsOverSocket(ITestOutputHelper output) : TransferTests(sharedMemory: false, output);

/// <summary>The suite with its links in shared memory.</summary>
public sealed class TransferTestsOverSharedMemory(ITestOutputHelper output) : TransferTests(sharedMemory: true, output);
