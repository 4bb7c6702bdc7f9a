using System.Diagnostics;
using Channels.Runtime.Tests.Processes;
using Channels.TestChild.Pool;
using Xunit;

namespace Channels.Runtime.Tests.Pool;

[Collection(nameof(ProcessTestsCollection))]
public sealed class ProcessPoolTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private static Task<ProcessPool> StartAsync(int workers = 2, int maxTasksPerWorker = 0)
        => ProcessPool.StartAsync(workers, new ProcessPoolOptions { Child = TestChildren.Options(), MaxTasksPerWorker = maxTasksPerWorker });

    [Fact]
    public async Task MapAsyncOverAMillionIntsReturnsEveryResultInOrderAndMapUnorderedReturnsEachExactlyOnce()
    {
        const int Count = 1_000_000;
        await using ProcessPool pool = await StartAsync();
        using var timeout = new CancellationTokenSource(Patience);

        long[] squares = await pool.MapAsync(PoolTasks.Square, Enumerable.Range(0, Count), cancellationToken: timeout.Token);

        Assert.Equal(Count, squares.Length);
        for (int i = 0; i < Count; i++)
        {
            if (squares[i] != (long)i * i)
                Assert.Fail($"Result {i} is {squares[i]}, not {(long)i * i}.");
        }

        var seen = new bool[Count];
        int received = 0;
        await foreach (long square in pool.MapUnorderedAsync(PoolTasks.Square, Enumerable.Range(0, Count), cancellationToken: timeout.Token))
        {
            int root = (int)Math.Round(Math.Sqrt(square));
            Assert.Equal(square, (long)root * root);
            Assert.False(seen[root], $"Result for {root} came twice.");
            seen[root] = true;
            received++;
        }
        Assert.Equal(Count, received);
    }

    [Fact]
    public async Task OneTaskInTenThousandThrowsAndExactlyThoseItemsFailWithTheExceptionsTypeAndMessage()
    {
        const int Count = 100_000;
        await using ProcessPool pool = await StartAsync();
        using var timeout = new CancellationTokenSource(Patience);
        int[] expectedFailures = [.. Enumerable.Range(0, Count).Where(x => x % 10_000 == 7)];

        var failed = await Assert.ThrowsAsync<PoolMapException>(() => pool.MapAsync(PoolTasks.DoubleOrRefuse, Enumerable.Range(0, Count), cancellationToken: timeout.Token));

        Assert.Equal(expectedFailures, failed.Failures.Select(f => f.Index));
        foreach (PoolItemFailure failure in failed.Failures)
        {
            RemoteException remote = Assert.IsType<RemoteException>(failure.Error);
            Assert.Equal(typeof(InvalidDataException).FullName, remote.RemoteType);
            Assert.Equal($"item {failure.Index} refused", remote.RemoteMessage);
            Assert.Contains(nameof(PoolTasks.DoubleOrRefuse), remote.RemoteStackTrace);
        }
        int[] results = Assert.IsType<int[]>(failed.Results);
        for (int i = 0; i < Count; i++)
            Assert.Equal(i % 10_000 == 7 ? 0 : i * 2, results[i]);

        // The streaming form yields every other result, then reports the same failures.
        var streamed = new List<int>();
        var streamFailure = await Assert.ThrowsAsync<PoolMapException>(async () =>
        {
            await foreach (int doubled in pool.MapUnorderedAsync(PoolTasks.DoubleOrRefuse, Enumerable.Range(0, Count), chunkSize: 1000, timeout.Token))
                streamed.Add(doubled);
        });
        Assert.Equal(expectedFailures, streamFailure.Failures.Select(f => f.Index));
        streamed.Sort();
        Assert.Equal(Enumerable.Range(0, Count).Where(x => x % 10_000 != 7).Select(x => x * 2), streamed);

        var applied = await Assert.ThrowsAsync<RemoteException>(() => pool.ApplyAsync(PoolTasks.DoubleOrRefuse, 20_007, timeout.Token));
        Assert.Equal("item 20007 refused", applied.RemoteMessage);
        Assert.Equal(84, await pool.ApplyAsync(PoolTasks.DoubleOrRefuse, 42, timeout.Token));
    }

    [Fact]
    public async Task AWorkerKilledDuringAMapIsReplacedAndTheMapCompletesWithEveryResultCorrect()
    {
        const int Count = 100_000;
        const int Workers = 2;
        await using ProcessPool pool = await StartAsync(Workers);
        using var timeout = new CancellationTokenSource(Patience);
        int[] before = [.. pool.WorkerProcessIds];
        Assert.Equal(Workers, before.Length);

        int next = 0;
        await foreach (int result in pool.MapAsync(PoolTasks.SlowIncrement, Enumerable.Range(0, Count).ToAsyncEnumerable(), chunkSize: 250, timeout.Token))
        {
            Assert.Equal(next + 1, result);
            if (next == 5_000)
                Process.GetProcessById(before[0]).Kill(); // SIGKILL, mid-map
            next++;
        }
        Assert.Equal(Count, next);

        int[] after = await WaitForWorkersAsync(pool, Workers, timeout.Token);
        Assert.DoesNotContain(before[0], after);
        Assert.Contains(before[1], after);
        int[] servedBy = await pool.MapAsync(PoolTasks.WorkerId, Enumerable.Range(0, 64), chunkSize: 1, cancellationToken: timeout.Token);
        Assert.All(servedBy, id => Assert.Contains(id, after)); // the replacement serves, the killed worker does not
    }

    [Fact]
    public async Task ATaskWhoseWorkersKeepDyingFailsWithPeerLostAfterOneRetry()
    {
        await using ProcessPool pool = await StartAsync(workers: 1);
        using var timeout = new CancellationTokenSource(Patience);
        string marker = Path.Combine(Path.GetTempPath(), "pool-" + Guid.NewGuid().ToString("N"));
        Task<int> waiting = pool.ApplyAsync(PoolTasks.WaitForCancellation, marker, timeout.Token);

        for (int kill = 0; kill < 2; kill++)
        {
            int worker = (await WaitForWorkersAsync(pool, 1, timeout.Token))[0];
            await Task.Delay(300, timeout.Token); // the task reaches the worker
            Process.GetProcessById(worker).Kill();
            await WaitUntilAsync(() => !pool.WorkerProcessIds.Contains(worker), timeout.Token);
        }

        await Assert.ThrowsAsync<PeerLostException>(() => waiting.WaitAsync(timeout.Token));
        Assert.Single(await WaitForWorkersAsync(pool, 1, timeout.Token));
        Assert.Equal(9L, await pool.ApplyAsync(PoolTasks.Square, 3, timeout.Token));
    }

    [Fact]
    public async Task CancellingAnApplyCancelsTheFunctionsTokenInTheWorker()
    {
        await using ProcessPool pool = await StartAsync(workers: 1);
        using var timeout = new CancellationTokenSource(Patience);
        string marker = Path.Combine(Path.GetTempPath(), "pool-" + Guid.NewGuid().ToString("N"));
        try
        {
            Assert.Equal(4L, await pool.ApplyAsync(PoolTasks.Square, 2, timeout.Token)); // the worker is up
            using var cancel = new CancellationTokenSource();
            Task<int> waiting = pool.ApplyAsync(PoolTasks.WaitForCancellation, marker, cancel.Token);
            await Task.Delay(500, timeout.Token);
            cancel.Cancel();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
            await WaitUntilAsync(() => File.Exists(marker), timeout.Token);
            Assert.Equal(16L, await pool.ApplyAsync(PoolTasks.Square, 4, timeout.Token));
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task MaxTasksPerWorkerReplacesWorkersAfterThatManyTasks()
    {
        await using ProcessPool pool = await StartAsync(workers: 1, maxTasksPerWorker: 2);
        using var timeout = new CancellationTokenSource(Patience);

        var ids = new List<int>();
        for (int i = 0; i < 6; i++)
            ids.Add(await pool.ApplyAsync(PoolTasks.WorkerId, i, timeout.Token));

        Assert.Equal(3, ids.Distinct().Count());
        Assert.Equal(ids[0], ids[1]);
        Assert.NotEqual(ids[1], ids[2]);
    }

    [Fact]
    public async Task TerminateKillsTheWorkersAndFailsUnfinishedWorkAndDisposeLeavesNoProcess()
    {
        ProcessPool pool = await StartAsync();
        using var timeout = new CancellationTokenSource(Patience);
        int[] workers = await WaitForWorkersAsync(pool, 2, timeout.Token);
        string marker = Path.Combine(Path.GetTempPath(), "pool-" + Guid.NewGuid().ToString("N"));
        Task<int> waiting = pool.ApplyAsync(PoolTasks.WaitForCancellation, marker, timeout.Token);

        pool.Terminate();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(timeout.Token));
        await pool.DisposeAsync().AsTask().WaitAsync(timeout.Token);
        Assert.Throws<InvalidOperationException>(() => { _ = pool.ApplyAsync(PoolTasks.Square, 1); });
        foreach (int id in workers)
            Assert.True(HasExited(id), $"Worker {id} still runs.");
    }

    [Fact]
    public async Task DisposeWaitsForWorkGivenBeforeAndStopsTheWorkers()
    {
        ProcessPool pool = await StartAsync();
        using var timeout = new CancellationTokenSource(Patience);
        int[] workers = await WaitForWorkersAsync(pool, 2, timeout.Token);
        Task<int[]> map = pool.MapAsync(PoolTasks.SlowIncrement, Enumerable.Range(0, 20_000), chunkSize: 100, cancellationToken: timeout.Token);

        await pool.DisposeAsync().AsTask().WaitAsync(timeout.Token);

        Assert.Equal(Enumerable.Range(1, 20_000), await map.WaitAsync(timeout.Token)); // all of it was done before the workers stopped
        foreach (int id in workers)
            Assert.True(HasExited(id), $"Worker {id} still runs.");
    }

    [Fact]
    public async Task ArgumentsAreChecked()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ProcessPool.StartAsync(0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ProcessPool.StartAsync(1, new ProcessPoolOptions { PrefetchPerWorker = 0 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ProcessPool.StartAsync(1, new ProcessPoolOptions { MaxTasksPerWorker = -1 }));
        Func<int, int> lambda = x => x;
        var notAFunction = Assert.Throws<ArgumentException>(() => Contracts.PoolFunctionRegistry.NameOf(lambda));
        Assert.Contains("[PoolFunction]", notAFunction.Message);
    }

    private static async Task<int[]> WaitForWorkersAsync(ProcessPool pool, int count, CancellationToken cancellationToken)
    {
        await WaitUntilAsync(() => pool.WorkerProcessIds.Count == count, cancellationToken);
        return [.. pool.WorkerProcessIds];
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
            await Task.Delay(20, cancellationToken);
    }

    private static bool HasExited(int id)
    {
        try
        {
            using Process process = Process.GetProcessById(id);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
