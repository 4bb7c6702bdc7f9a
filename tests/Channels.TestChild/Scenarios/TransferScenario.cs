using System.Globalization;
using Channels.TestChild.Contracts;

namespace Channels.TestChild.Scenarios;

/// <summary>The peer of acceptance 1: reads orders and ticks in order with checksums while it writes receipts.</summary>
public static class TransferScenario
{
    /// <summary>args: endpoint, receipts to send. Prints "orders n sum", "ticks n sum", "receipts n sum".</summary>
    [ChildScenario("transfer")]
    public static async Task<int> RunAsync(string[] args)
    {
        string endpoint = args[0];
        long receipts = long.Parse(args[1], CultureInfo.InvariantCulture);
        await using ITransfer.Peer peer = await ITransfer.Peer.ConnectAsync(endpoint, ScenarioOptions.FromEnvironment());

        Task<(long, ulong)> orders = Task.Run(async () =>
        {
            long count = 0;
            ulong sum = 0;
            await foreach (Order order in peer.Orders.ReadAllAsync())
            {
                if (order.Id != count)
                    throw new InvalidOperationException($"Order {order.Id} arrived where {count} was due.");
                sum = Checksums.Add(sum, Checksums.Of(order));
                count++;
            }
            return (count, sum);
        });
        Task<(long, ulong)> ticks = Task.Run(async () =>
        {
            long count = 0;
            ulong sum = 0;
            await foreach (Tick tick in peer.Ticks.ReadAllAsync())
            {
                if (tick.Sequence != count)
                    throw new InvalidOperationException($"Tick {tick.Sequence} arrived where {count} was due.");
                sum = Checksums.Add(sum, Checksums.Of(tick));
                count++;
            }
            return (count, sum);
        });
        ulong sent = 0;
        for (long i = 0; i < receipts; i++)
        {
            var receipt = Checksums.MakeReceipt(i);
            sent = Checksums.Add(sent, Checksums.Of(receipt));
            await peer.Receipts.WriteAsync(receipt);
        }
        peer.Receipts.Complete();

        (long orderCount, ulong orderSum) = await orders;
        (long tickCount, ulong tickSum) = await ticks;
        Console.WriteLine($"orders {orderCount} {orderSum}");
        Console.WriteLine($"ticks {tickCount} {tickSum}");
        Console.WriteLine($"receipts {receipts} {sent}");
        return 0;
    }
}
