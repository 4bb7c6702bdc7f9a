// Python's classic Pool example (https://docs.python.org/3/library/multiprocessing.html#using-a-pool-of-workers):
//
//     def f(x): return x*x
//     with Pool(processes=4) as pool:
//         print(pool.map(f, range(10)))
//         for i in pool.imap_unordered(f, range(10)): print(i)
//         res = pool.apply_async(os.getpid, ()); print(res.get(timeout=1))
//
// then a CPU-bound function on all cores, timed against one worker.
using System.Diagnostics;
using Channels;
using PoolDemo;

// A worker is this program again: it runs its pool functions and exits here.
if (ChildProcess.IsChild)
    return await ChildProcess.RunAsync();

await using (ProcessPool pool = await ProcessPool.StartAsync(workers: 4))
{
    int[] squares = await pool.MapAsync(Tasks.Square, Enumerable.Range(0, 10));
    Console.WriteLine("map: " + string.Join(", ", squares));

    var unordered = new List<int>();
    await foreach (int square in pool.MapUnorderedAsync(Tasks.Square, Enumerable.Range(0, 10), chunkSize: 1))
        unordered.Add(square);
    unordered.Sort();
    Console.WriteLine("imap_unordered (sorted): " + string.Join(", ", unordered));

    int worker = await pool.ApplyAsync(Tasks.WorkerId, 0);
    Console.WriteLine($"apply: worker {worker}, parent {Environment.ProcessId}");
}

// CPU-bound: count the primes below 200,000 in 40 slices, on one worker and then on every core.
int[] slices = [.. Enumerable.Range(0, 40)];
long oneWorker = await CountPrimesAsync(1, slices);
long allCores = await CountPrimesAsync(Environment.ProcessorCount, slices);
return oneWorker == allCores ? 0 : 1;

static async Task<long> CountPrimesAsync(int workers, int[] slices)
{
    await using ProcessPool pool = await ProcessPool.StartAsync(workers);
    await pool.MapAsync(Tasks.Square, Enumerable.Range(0, workers * 4)); // workers started and warm
    var clock = Stopwatch.StartNew();
    int[] counts = await pool.MapAsync(Tasks.CountPrimes, slices, chunkSize: 1);
    long total = counts.Sum();
    Console.WriteLine($"primes below {slices.Length * Tasks.SliceWidth:N0} on {workers} worker(s): {total} in {clock.Elapsed.TotalMilliseconds:F0} ms");
    return total;
}
