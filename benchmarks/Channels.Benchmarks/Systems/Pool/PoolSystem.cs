using System.Diagnostics;
using System.Globalization;
using Channels.Benchmarks.SideBySide;

namespace Channels.Benchmarks.Systems.Pool;

/// <summary>
/// Channels <see cref="ProcessPool"/> in the pool cases, measured as the Python seed measures <c>Pool</c>: this process
/// is the pool's parent, the workers are this executable again. Pools are started and warmed before any clock runs
/// (the seed also maps 1000 items first); every result is checked after each round, so a broken pool reports no speed.
/// </summary>
public static class PoolSystem
{
    /// <summary>The command-line id.</summary>
    public const string Id = "channels-pool";

    /// <summary>The CPU-bound case compares a pool of this many workers with a pool of one.</summary>
    public const int CpuWorkers = 2;

    private const int DistinctSeeds = 8;
    private static readonly TimeSpan TargetTaskTime = TimeSpan.FromMilliseconds(5);

    /// <summary>Measures the pool cases of <paramref name="cases"/>; a case that fails gets a row saying why.</summary>
    public static async Task<IReadOnlyList<Measurement>> RunAsync(IReadOnlyList<CaseSpec> cases, RunSettings settings)
    {
        var rows = new List<Measurement>();
        CaseSpec? map = Find(cases, CaseKind.PoolMap);
        CaseSpec? unordered = Find(cases, CaseKind.PoolUnordered);
        CaseSpec? cpu = Find(cases, CaseKind.PoolCpu);
        if (map is not null || unordered is not null)
        {
            await RunSquaresAsync(map, unordered, settings, rows).ConfigureAwait(false);
        }

        if (cpu is not null)
        {
            try
            {
                Console.Error.WriteLine($"  {cpu.Label} x {cpu.Count:N0}, 1 worker vs {CpuWorkers}");
                rows.AddRange(await MeasureCpuAsync(cpu, settings).ConfigureAwait(false));
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine($"  {cpu.Label} failed: {ex}");
                rows.Add(Measurement.Missing(SystemNames.ChannelsPoolOneWorker, cpu, "failed: " + PairDriver.Describe(ex)));
                rows.Add(Measurement.Missing(SystemNames.ChannelsPoolTwoWorkers, cpu, "failed: " + PairDriver.Describe(ex)));
            }
        }

        return rows;
    }

    private static async Task RunSquaresAsync(CaseSpec? map, CaseSpec? unordered, RunSettings settings, List<Measurement> rows)
    {
        int workers = Environment.ProcessorCount;
        string note = string.Create(CultureInfo.InvariantCulture, $"{workers} workers");
        ProcessPool? pool = null;
        try
        {
            pool = await StartWarmAsync(workers, settings).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"  {SystemNames.ChannelsPool}: could not start: {ex}");
            foreach (CaseSpec? spec in new[] { map, unordered })
            {
                if (spec is not null)
                {
                    rows.Add(Measurement.Missing(SystemNames.ChannelsPool, spec, "could not start: " + PairDriver.Describe(ex)));
                }
            }

            return;
        }

        await using (pool.ConfigureAwait(false))
        {
            if (map is not null)
            {
                rows.Add(await MeasureAsync(map, note, settings, (items, token) => MapRoundAsync(pool, items, token)).ConfigureAwait(false));
            }

            if (unordered is not null)
            {
                rows.Add(await MeasureAsync(unordered, note, settings, (items, token) => UnorderedRoundAsync(pool, items, token)).ConfigureAwait(false));
            }
        }
    }

    private static async Task<Measurement> MeasureAsync(CaseSpec spec, string note, RunSettings settings, Func<long[], CancellationToken, Task> round)
    {
        Console.Error.WriteLine($"  {SystemNames.ChannelsPool}: {spec.Label} x {spec.Count:N0}");
        long[] items = Range(spec.Count);
        var rates = new List<double>();
        try
        {
            // Untimed rounds as for the pair systems: at least WarmupRounds, and for at least WarmupTime (tier-1
            // compilation of the pool's path takes seconds on two busy cores; one round of a map takes milliseconds).
            TimeSpan warming = TimeSpan.Zero;
            for (int i = 0; i < settings.WarmupRounds || warming < settings.WarmupTime; i++)
            {
                warming += await TimeRoundAsync(items, settings, round).ConfigureAwait(false);
            }

            for (int i = 0; i < settings.Runs; i++)
            {
                rates.Add(spec.Count / (await TimeRoundAsync(items, settings, round).ConfigureAwait(false)).TotalSeconds);
            }
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"  {SystemNames.ChannelsPool}: {spec.Label} failed: {ex}");
            return Measurement.Missing(SystemNames.ChannelsPool, spec, "failed: " + PairDriver.Describe(ex));
        }

        return new Measurement { System = SystemNames.ChannelsPool, Case = spec, MessagesPerSecond = Stats.Median(rates), Runs = rates, Note = note };
    }

    private static async Task<TimeSpan> TimeRoundAsync(long[] items, RunSettings settings, Func<long[], CancellationToken, Task> round)
    {
        using var timeout = new CancellationTokenSource(settings.RoundTimeout);
        long start = Stopwatch.GetTimestamp();
        await round(items, timeout.Token).ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(start);
    }

    // Pool.map: every result in input order.
    private static async Task MapRoundAsync(ProcessPool pool, long[] items, CancellationToken cancellationToken)
    {
        long[] results = await pool.MapAsync(BenchPoolFunctions.Square, items, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (results.Length != items.Length)
        {
            throw new InvalidOperationException($"the map returned {results.Length} results for {items.Length} items");
        }

        for (int i = 0; i < items.Length; i++)
        {
            if (results[i] != items[i] * items[i])
            {
                throw new InvalidOperationException($"the map returned {results[i]} at index {i}, expected {items[i] * items[i]}");
            }
        }
    }

    // imap_unordered with chunk size 1: each result exactly once (count and sum, as the seed checks its sum).
    private static async Task UnorderedRoundAsync(ProcessPool pool, long[] items, CancellationToken cancellationToken)
    {
        long count = 0;
        long sum = 0;
        await foreach (long square in pool.MapUnorderedAsync(BenchPoolFunctions.Square, items, chunkSize: 1, cancellationToken).ConfigureAwait(false))
        {
            count++;
            sum += square;
        }

        long expected = 0;
        foreach (long item in items)
        {
            expected += item * item;
        }

        if (count != items.Length || sum != expected)
        {
            throw new InvalidOperationException($"the unordered map returned {count} results summing to {sum}, expected {items.Length} summing to {expected}");
        }
    }

    private static async Task<IReadOnlyList<Measurement>> MeasureCpuAsync(CaseSpec spec, RunSettings settings)
    {
        (int iterations, double taskMilliseconds) = Calibrate();
        var tasks = new SpinTask[spec.Count];
        for (int i = 0; i < tasks.Length; i++)
        {
            tasks[i] = new SpinTask(i % DistinctSeeds, iterations);
        }

        var expected = new long[DistinctSeeds];
        for (int seed = 0; seed < DistinctSeeds; seed++)
        {
            expected[seed] = BenchPoolFunctions.SpinLoop(seed, iterations);
        }

        ProcessPool one = await StartWarmAsync(1, settings).ConfigureAwait(false);
        await using (one.ConfigureAwait(false))
        {
            ProcessPool two = await StartWarmAsync(CpuWorkers, settings).ConfigureAwait(false);
            await using (two.ConfigureAwait(false))
            {
                var oneRates = new List<double>();
                var twoRates = new List<double>();
                for (int round = 0; round < settings.WarmupRounds + settings.Runs; round++)
                {
                    // Interleaved, each run starting with the other pool, so load from elsewhere falls on both alike.
                    bool twoFirst = round % 2 == 1;
                    double first = await CpuRoundAsync(twoFirst ? two : one, tasks, expected, settings).ConfigureAwait(false);
                    double second = await CpuRoundAsync(twoFirst ? one : two, tasks, expected, settings).ConfigureAwait(false);
                    if (round >= settings.WarmupRounds)
                    {
                        oneRates.Add(twoFirst ? second : first);
                        twoRates.Add(twoFirst ? first : second);
                    }
                }

                string note = string.Create(CultureInfo.InvariantCulture, $"task {taskMilliseconds:0.0} ms in this process ({iterations:N0} xorshift rounds), chunk size 1");
                return
                [
                    new Measurement { System = SystemNames.ChannelsPoolOneWorker, Case = spec, MessagesPerSecond = Stats.Median(oneRates), Runs = oneRates, Note = note },
                    new Measurement { System = SystemNames.ChannelsPoolTwoWorkers, Case = spec, MessagesPerSecond = Stats.Median(twoRates), Runs = twoRates, Note = note },
                ];
            }
        }
    }

    private static async Task<double> CpuRoundAsync(ProcessPool pool, SpinTask[] tasks, long[] expected, RunSettings settings)
    {
        using var timeout = new CancellationTokenSource(settings.RoundTimeout);
        long start = Stopwatch.GetTimestamp();
        long[] results = await pool.MapAsync(BenchPoolFunctions.Spin, tasks, chunkSize: 1, timeout.Token).ConfigureAwait(false);
        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
        for (int i = 0; i < tasks.Length; i++)
        {
            if (results[i] != expected[tasks[i].Seed])
            {
                throw new InvalidOperationException($"task {i} returned {results[i]}, expected {expected[tasks[i].Seed]}");
            }
        }

        return tasks.Length / elapsed.TotalSeconds;
    }

    // How many rounds of the loop take about 5 ms here: the fastest of a few timings (the least disturbed by other load).
    private static (int Iterations, double Milliseconds) Calibrate()
    {
        const int probe = 1_000_000;
        BenchPoolFunctions.SpinLoop(0, probe); // JIT
        double best = double.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            long start = Stopwatch.GetTimestamp();
            BenchPoolFunctions.SpinLoop(i, probe);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        int iterations = (int)Math.Clamp(probe * TargetTaskTime.TotalMilliseconds / best, 1000, int.MaxValue);
        return (iterations, best * iterations / probe);
    }

    // Started, every worker connected and warm (JIT of the map path) before any clock runs.
    private static async Task<ProcessPool> StartWarmAsync(int workers, RunSettings settings)
    {
        using var timeout = new CancellationTokenSource(settings.RoundTimeout);
        ProcessPool pool = await ProcessPool.StartAsync(workers, cancellationToken: timeout.Token).ConfigureAwait(false);
        try
        {
            await pool.MapAsync(BenchPoolFunctions.Square, Range(1000), cancellationToken: timeout.Token).ConfigureAwait(false);
            await pool.MapAsync(BenchPoolFunctions.Spin, [new SpinTask(1, 1000), new SpinTask(2, 1000)], chunkSize: 1, timeout.Token).ConfigureAwait(false);
            return pool;
        }
        catch
        {
            pool.Terminate();
            await pool.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static long[] Range(int count)
    {
        var items = new long[count];
        for (int i = 0; i < items.Length; i++)
        {
            items[i] = i;
        }

        return items;
    }

    private static CaseSpec? Find(IReadOnlyList<CaseSpec> cases, CaseKind kind)
    {
        foreach (CaseSpec spec in cases)
        {
            if (spec.Kind == kind)
            {
                return spec;
            }
        }

        return null;
    }
}
