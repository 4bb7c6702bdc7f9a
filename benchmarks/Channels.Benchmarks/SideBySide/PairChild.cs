using System.Diagnostics;
using System.Globalization;

namespace Channels.Benchmarks.SideBySide;

/// <summary>
/// The receiving side's command loop, the same for every system: <c>recv KIND COUNT</c> receives a round and
/// replies <c>done END_TIMESTAMP ALLOCATED_BYTES CHECKSUM</c>; <c>echo COUNT</c> echoes pings; <c>serve COUNT</c>
/// answers calls (receivers with a call lane); <c>quit</c> ends.
/// The end time is taken by the receiver when it has counted the last message, as in the Python seed.
/// </summary>
public static class PairChild
{
    /// <summary>Serves commands until <c>quit</c> or the end of the control path.</summary>
    public static async Task RunAsync(IPairReceiver receiver, IChildControl control, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                string? command = await control.ReadCommandAsync(cancellationToken).ConfigureAwait(false);
                if (command is null || command == "quit")
                {
                    return;
                }

                string[] parts = command.Split(' ');
                switch (parts[0])
                {
                    case "recv":
                    {
                        var kind = Enum.Parse<CaseKind>(parts[1]);
                        int count = int.Parse(parts[2], CultureInfo.InvariantCulture);
                        // Outside the allocation count: the snapshots allocate.
                        Dictionary<int, long>? threadsBefore = ThreadTimes.Enabled ? ThreadTimes.Snapshot() : null;
                        JitLog.Instance?.Drain(0);
                        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                        TimeSpan cpuBefore = Environment.CpuUsage.TotalTime;
                        await control.ReplyAsync("ready").ConfigureAwait(false);
                        long checksum = await receiver.ReceiveAsync(kind, count, cancellationToken).ConfigureAwait(false);
                        long end = Stopwatch.GetTimestamp();
                        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
                        long cpuNanoseconds = (long)((Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds * 1e6);
                        if (threadsBefore is not null)
                        {
                            Console.Error.WriteLine("      receiver threads: " + ThreadTimes.Describe(threadsBefore, ThreadTimes.Snapshot(), 2));
                            if (JitLog.Instance is { } jitLog)
                            {
                                Console.Error.WriteLine("      receiver compiled: " + jitLog.Drain(8));
                            }
                        }

                        await control.ReplyAsync(string.Create(CultureInfo.InvariantCulture, $"done {end} {allocated} {checksum} {cpuNanoseconds}")).ConfigureAwait(false);
                        break;
                    }

                    case "echo":
                    {
                        int count = int.Parse(parts[1], CultureInfo.InvariantCulture);
                        await control.ReplyAsync("ready").ConfigureAwait(false);
                        await receiver.EchoAsync(count, cancellationToken).ConfigureAwait(false);
                        await control.ReplyAsync("done").ConfigureAwait(false);
                        break;
                    }

                    case "serve" when receiver is ICallPairReceiver callee:
                    {
                        int count = int.Parse(parts[1], CultureInfo.InvariantCulture);
                        await control.ReplyAsync("ready").ConfigureAwait(false);
                        await callee.ServeCallsAsync(count, cancellationToken).ConfigureAwait(false);
                        await control.ReplyAsync("done").ConfigureAwait(false);
                        break;
                    }

                    default:
                        await control.ReplyAsync($"error unknown command '{command}'").ConfigureAwait(false);
                        return;
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await control.ReplyAsync($"error {ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}").ConfigureAwait(false);
        }
    }
}
