using System.Diagnostics;
using Channels;

namespace Channels.TestChild.Pool;

/// <summary>Functions the ProcessPool tests run in worker processes.</summary>
public static class PoolTasks
{
    /// <summary>x * x, widened.</summary>
    [PoolFunction]
    public static long Square(int x) => (long)x * x;

    /// <summary>Doubles x, except that one item in 10,000 (x % 10,000 == 7) throws.</summary>
    [PoolFunction]
    public static int DoubleOrRefuse(int x) => x % 10_000 == 7 ? throw new InvalidDataException($"item {x} refused") : x * 2;

    /// <summary>x + 1 after about 20 µs of work, so that a map of many items takes a while.</summary>
    [PoolFunction]
    public static int SlowIncrement(int x)
    {
        long until = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 50_000;
        while (Stopwatch.GetTimestamp() < until)
        {
        }
        return x + 1;
    }

    /// <summary>-x, widened: a second tiny function, for maps of two functions at once.</summary>
    [PoolFunction]
    public static long Negate(int x) => -(long)x;

    /// <summary>The worker's process id.</summary>
    [PoolFunction]
    public static int WorkerId(int _) => Environment.ProcessId;

    /// <summary>Waits for the call's token; writes a marker file named by the argument when it fires.</summary>
    [PoolFunction]
    public static async Task<int> WaitForCancellation(string markerPath, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            File.WriteAllText(markerPath, "cancelled");
            throw;
        }
        return 0;
    }
}
