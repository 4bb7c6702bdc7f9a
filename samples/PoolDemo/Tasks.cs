using Channels;

namespace PoolDemo;

/// <summary>The functions the pool's workers run: static, marked [PoolFunction], serializable argument and result.</summary>
public static class Tasks
{
    /// <summary>How many numbers one slice of <see cref="CountPrimes"/> covers.</summary>
    public const int SliceWidth = 5_000;

    /// <summary>Python's <c>f(x): return x*x</c>.</summary>
    [PoolFunction]
    public static int Square(int x) => x * x;

    /// <summary>Python's <c>os.getpid</c>.</summary>
    [PoolFunction]
    public static int WorkerId(int _) => Environment.ProcessId;

    /// <summary>Counts the primes in slice <paramref name="slice"/> by trial division (CPU-bound on purpose).</summary>
    [PoolFunction]
    public static int CountPrimes(int slice)
    {
        int count = 0;
        for (int n = slice * SliceWidth; n < (slice + 1) * SliceWidth; n++)
        {
            if (IsPrime(n))
                count++;
        }
        return count;
    }

    private static bool IsPrime(int n)
    {
        if (n < 2)
            return false;
        for (int d = 2; d * d <= n; d++)
        {
            if (n % d == 0)
                return false;
        }
        return true;
    }
}
