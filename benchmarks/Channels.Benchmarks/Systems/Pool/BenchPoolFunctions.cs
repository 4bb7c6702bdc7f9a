namespace Channels.Benchmarks.Systems.Pool;

/// <summary>The functions the pool cases run in the workers (this executable again, entered through <see cref="ChildProcess.RunAsync()"/>).</summary>
public static class BenchPoolFunctions
{
    /// <summary>The seed's <c>pool_task(x): return x * x</c> (a long: 200,000² does not fit an int, and Python's ints do not overflow).</summary>
    [PoolFunction]
    public static long Square(long x) => x * x;

    /// <summary>A deterministic compute loop of about 5 ms (no sleep: the case measures how the workers share the cores).</summary>
    [PoolFunction]
    public static long Spin(SpinTask task) => SpinLoop(task.Seed, task.Iterations);

    /// <summary>The loop itself, also run by the parent to calibrate it and to know every expected result.</summary>
    public static long SpinLoop(int seed, int iterations)
    {
        ulong x = ((ulong)(uint)seed * 0x9E3779B97F4A7C15UL) | 1;
        for (int i = 0; i < iterations; i++)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }

        return (long)(x >> 1);
    }
}
