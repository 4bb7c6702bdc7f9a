using System.Globalization;
using CsCheck;
using Xunit.Abstractions;

namespace Channels.Runtime.Tests.Fuzz;

/// <summary>
/// How many inputs each fuzz target tries: a short run by default (CI), or <c>CHANNELS_FUZZ_ITERATIONS</c> per target
/// for the long run (docs/reliability.md). Every target reports what it did, so the long run's figures can be read
/// from the test log.
/// </summary>
internal static class FuzzRun
{
    public const string IterationsVariable = "CHANNELS_FUZZ_ITERATIONS";
    private const long ShortRun = 20_000;

    public static long Iterations(double weight = 1)
        => (long)(weight * (long.TryParse(Environment.GetEnvironmentVariable(IterationsVariable), NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n > 0 ? n : ShortRun));

    /// <summary>Runs <paramref name="property"/> on <paramref name="iterations"/> inputs of <paramref name="gen"/> on every core and reports the count and rate.</summary>
    public static void Sample<T>(ITestOutputHelper output, string target, Gen<T> gen, Action<T> property, long iterations)
    {
        long count = 0;
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        gen.Sample(input =>
        {
            Interlocked.Increment(ref count);
            property(input);
        }, iter: iterations);
        output.WriteLine($"fuzz {target}: {count} inputs, 0 crashes, {stopwatch.Elapsed.TotalSeconds:0.0} s ({count / Math.Max(stopwatch.Elapsed.TotalSeconds, 1e-9):0} inputs/s)");
    }

    /// <summary>
    /// Runs <paramref name="parse"/>; a <see cref="ProtocolException"/> (or <typeparamref name="TAllowed"/>) is a clean refusal,
    /// anything else a crash. Also bounds what one input may allocate, so that no length field drives an allocation.
    /// </summary>
    public static void Refuses<TAllowed>(Action parse, int inputLength) where TAllowed : Exception
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            parse();
        }
        catch (ProtocolException)
        {
        }
        catch (TAllowed)
        {
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // Strings decoded from the input (2 bytes a char), exception messages and stack traces: never more.
        long bound = 64 * 1024 + 8L * inputLength;
        if (allocated > bound)
            throw new InvalidOperationException($"An input of {inputLength} bytes made the parser allocate {allocated} bytes (bound {bound}).");
    }
}
