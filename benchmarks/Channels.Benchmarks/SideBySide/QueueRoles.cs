using System.Diagnostics;
using System.Globalization;
using Channels.Benchmarks.Messages;
using Channels.Benchmarks.Systems;

namespace Channels.Benchmarks.SideBySide;

/// <summary>
/// The queue children. <c>child queue-producer SYSTEM NAME</c> answers <c>put COUNT SENTINELS</c> with
/// <c>done</c>; <c>child queue-consumer SYSTEM NAME</c> answers <c>take PRODUCERS</c> with <c>ready</c>, then,
/// after as many sentinels, <c>done COUNT END_TIMESTAMP ALLOCATED_BYTES CHECKSUM</c>. Both stay for further rounds.
/// </summary>
public static class QueueRoles
{
    /// <summary>The producer role.</summary>
    public const string Producer = "queue-producer";

    /// <summary>The consumer role.</summary>
    public const string Consumer = "queue-consumer";

    /// <summary>Whether <paramref name="role"/> is a queue role.</summary>
    public static bool IsQueueRole(string role) => role is Producer or Consumer;

    /// <summary>Runs the queue role of <paramref name="args"/> (role, system id, queue name).</summary>
    public static async Task<int> RunAsync(string[] args, IChildControl control)
    {
        QueueSystem system = SystemCatalog.FindQueue(args[1]);
        IQueueClient client = await system.OpenAsync(args[2], CancellationToken.None).ConfigureAwait(false);
        await using (client.ConfigureAwait(false))
        {
            await control.ReplyAsync("open").ConfigureAwait(false);
            while (await control.ReadCommandAsync(CancellationToken.None).ConfigureAwait(false) is { } command && command != "quit")
            {
                string[] parts = command.Split(' ');
                if (args[0] == Producer && parts[0] == "put")
                {
                    await ProduceAsync(client, int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture)).ConfigureAwait(false);
                    await control.ReplyAsync("done").ConfigureAwait(false);
                }
                else if (args[0] == Consumer && parts[0] == "take")
                {
                    long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                    await control.ReplyAsync("ready").ConfigureAwait(false);
                    (long count, long checksum) = await ConsumeAsync(client, int.Parse(parts[1], CultureInfo.InvariantCulture)).ConfigureAwait(false);
                    long end = Stopwatch.GetTimestamp();
                    long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
                    await control.ReplyAsync(string.Create(CultureInfo.InvariantCulture, $"done {count} {end} {allocated} {checksum}")).ConfigureAwait(false);
                }
                else
                {
                    await control.ReplyAsync($"error {args[0]} cannot do '{command}'").ConfigureAwait(false);
                    return 2;
                }
            }
        }

        return 0;
    }

    private static async Task ProduceAsync(IQueueClient client, int count, int sentinels)
    {
        SmallRecord[] ring = Payloads.SmallRing;
        for (int i = 0; i < count; i++)
        {
            await client.PutAsync(ring[i % Payloads.RingSize], CancellationToken.None).ConfigureAwait(false);
        }

        for (int i = 0; i < sentinels; i++)
        {
            await client.PutAsync(QueueSystem.Sentinel, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task<(long Count, long Checksum)> ConsumeAsync(IQueueClient client, int producers)
    {
        long count = 0;
        long checksum = 0;
        int sentinels = 0;
        while (sentinels < producers)
        {
            SmallRecord item = await client.GetAsync(CancellationToken.None).ConfigureAwait(false);
            if (item.Id < 0)
            {
                sentinels++;
                continue;
            }

            count++;
            checksum += Checksums.Of(item);
        }

        return (count, checksum);
    }
}
