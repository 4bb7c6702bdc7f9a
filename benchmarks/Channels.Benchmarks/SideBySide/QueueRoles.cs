using System.Diagnostics;
using System.Globalization;
using Channels.Benchmarks.Messages;
using Channels.Benchmarks.Systems;

namespace Channels.Benchmarks.SideBySide;

/// <summary>
/// The queue children. <c>child queue-producer SYSTEM NAME</c> answers <c>put COUNT</c> with <c>done</c> once it
/// has put COUNT items. <c>child queue-consumer SYSTEM NAME</c> takes items all the time on a loop of its own,
/// counting each with the time it was taken; <c>take</c> starts a round (counters to zero) and answers
/// <c>ready</c>, <c>report</c> answers <c>done COUNT LAST_TIMESTAMP ALLOCATED_BYTES CHECKSUM</c> for the round so far.
/// Consumers never stop on their own: a stopped consumer could strand the items a queue client prefetched, so the
/// parent instead asks for reports until every item of the round is accounted for.
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
            return args[0] == Producer
                ? await ProduceAsync(client, control).ConfigureAwait(false)
                : await ConsumeAsync(client, control).ConfigureAwait(false);
        }
    }

    private static async Task<int> ProduceAsync(IQueueClient client, IChildControl control)
    {
        await control.ReplyAsync("open").ConfigureAwait(false);
        SmallRecord[] ring = Payloads.SmallRing;
        while (await control.ReadCommandAsync(CancellationToken.None).ConfigureAwait(false) is { } command && command != "quit")
        {
            string[] parts = command.Split(' ');
            if (parts[0] != "put")
            {
                await control.ReplyAsync($"error a producer cannot do '{command}'").ConfigureAwait(false);
                return 2;
            }

            int count = int.Parse(parts[1], CultureInfo.InvariantCulture);
            for (int i = 0; i < count; i++)
            {
                await client.PutAsync(ring[i % Payloads.RingSize], CancellationToken.None).ConfigureAwait(false);
            }

            await control.ReplyAsync("done").ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task<int> ConsumeAsync(IQueueClient client, IChildControl control)
    {
        var tally = new Tally();
        using var stop = new CancellationTokenSource();
        Task loop = Task.Run(() => TakeForeverAsync(client, tally, stop.Token));
        await control.ReplyAsync("open").ConfigureAwait(false);
        long allocatedBefore = 0;
        try
        {
            while (await control.ReadCommandAsync(CancellationToken.None).ConfigureAwait(false) is { } command && command != "quit")
            {
                if (loop.IsFaulted)
                {
                    await control.ReplyAsync("error the taking loop failed: " + loop.Exception!.InnerException!.Message.ReplaceLineEndings(" ")).ConfigureAwait(false);
                    return 1;
                }

                switch (command)
                {
                    case "take":
                        tally.Reset();
                        allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                        await control.ReplyAsync("ready").ConfigureAwait(false);
                        break;
                    case "report":
                        (long count, long last, long checksum) = tally.Read();
                        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
                        await control.ReplyAsync(string.Create(CultureInfo.InvariantCulture, $"done {count} {last} {allocated} {checksum}")).ConfigureAwait(false);
                        break;
                    default:
                        await control.ReplyAsync($"error a consumer cannot do '{command}'").ConfigureAwait(false);
                        return 2;
                }
            }

            return 0;
        }
        finally
        {
            stop.Cancel();
        }
    }

    private static async Task TakeForeverAsync(IQueueClient client, Tally tally, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                tally.Add(await client.GetAsync(cancellationToken).ConfigureAwait(false));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // quitting
        }
    }

    // Written by the taking loop, read by the control loop between and after rounds.
    private sealed class Tally
    {
        private readonly Lock _gate = new();
        private long _count;
        private long _checksum;
        private long _last;

        public void Add(SmallRecord item)
        {
            long now = Stopwatch.GetTimestamp();
            lock (_gate)
            {
                _count++;
                _checksum += Checksums.Of(item);
                _last = now;
            }
        }

        public void Reset()
        {
            lock (_gate)
            {
                _count = _checksum = _last = 0;
            }
        }

        public (long Count, long Last, long Checksum) Read()
        {
            lock (_gate)
            {
                return (_count, _last, _checksum);
            }
        }
    }
}
