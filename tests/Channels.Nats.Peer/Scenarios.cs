using System.Buffers.Binary;
using Channels.Nats;
using NATS.Client.Core;

namespace Channels.Nats.Peer;

/// <summary>What the peer process does, one method per scenario.</summary>
internal static class Scenarios
{
    /// <summary>
    /// The options of every scenario: the link key from NATS_TEST_KEY, the lane window from NATS_TEST_WINDOW (left
    /// unset without it, so that a link takes the NATS default), a short ack wait for redelivery.
    /// </summary>
    public static ChannelOptions Options()
    {
        string? hex = Environment.GetEnvironmentVariable("NATS_TEST_KEY");
        var transport = new NatsTransportOptions { AckWait = TimeSpan.FromSeconds(2), Connection = Connection };
        // A long hold keeps what a getter read ahead in this process until it is killed (tests of a getter's death).
        if (int.TryParse(Environment.GetEnvironmentVariable("NATS_TEST_HOLD_MS"), out int holdMs))
            transport = new NatsTransportOptions { AckWait = transport.AckWait, Connection = Connection, QueueReadAheadHold = TimeSpan.FromMilliseconds(holdMs) };
        TimeSpan peerTimeout = TimeSpan.FromSeconds(3);
        byte[]? key = hex is null ? null : Convert.FromHexString(hex);
        return int.TryParse(Environment.GetEnvironmentVariable("NATS_TEST_WINDOW"), out int window)
            ? new ChannelOptions { Key = key, LaneWindowMessages = window, PeerTimeout = peerTimeout, Transport = transport }
            : new ChannelOptions { Key = key, PeerTimeout = peerTimeout, Transport = transport };
    }

    /// <summary>NATS.Net's defaults but a patient first connection: the machine of the tests is shared and busy.</summary>
    private static NatsOpts Connection => NatsOpts.Default with { ConnectTimeout = TimeSpan.FromSeconds(15) };

    /// <summary>The board of the scenario: the plain one when NATS_TEST_PLAIN is 1, else the redelivery one.</summary>
    public static async Task<(IAsyncDisposable Board, ProcessQueue<int> Items)> OpenBoardAsync(string endpoint, bool create = false, int replicas = 1)
    {
        ChannelOptions options = Options();
        if (create)
            options = new ChannelOptions { Transport = new NatsTransportOptions { AckWait = TimeSpan.FromSeconds(2), Replicas = replicas, Connection = Connection } };
        if (Environment.GetEnvironmentVariable("NATS_TEST_PLAIN") == "1")
        {
            INatsBoard plain = create ? INatsBoard.Create(endpoint, options) : await INatsBoard.OpenAsync(endpoint, options);
            return (plain, plain.Items);
        }
        INatsRedeliverBoard redeliver = create ? INatsRedeliverBoard.Create(endpoint, options) : await INatsRedeliverBoard.OpenAsync(endpoint, options);
        return (redeliver, redeliver.Items);
    }

    /// <summary>Answers every job (a job "fault" faults the answers; "exit" exits at once without closing).</summary>
    public static async Task<int> EchoAsync(string endpoint, int delayMs = 0)
    {
        await using var link = await INatsWorker.Peer.ConnectAsync(endpoint, Options());
        Console.WriteLine("connected");
        await foreach (NatsJob job in link.Jobs.ReadAllAsync())
        {
            if (delayMs > 0)
                await Task.Delay(delayMs);
            if (job.Text == "fault")
            {
                link.Results.Complete(new InvalidOperationException("peer refused job " + job.Id));
                return 0;
            }
            if (job.Text == "exit")
                Environment.Exit(0);
            await link.Results.WriteAsync(job with { Text = job.Text + "!" });
        }
        link.Results.Complete();
        return 0;
    }

    /// <summary>Connects with another contract: the handshake must refuse it.</summary>
    public static async Task<int> OtherAsync(string endpoint)
    {
        await using var link = await INatsOther.Peer.ConnectAsync(endpoint, Options());
        return 0;
    }

    /// <summary>
    /// Puts <paramref name="count"/> items from <paramref name="first"/>, many at once, then the sentinels (-1). Writes
    /// the items whose put returned to <paramref name="output"/> (little-endian ints, in the order the puts returned)
    /// and those whose put threw to <paramref name="output"/>.failed, with the exception on standard error: a failed
    /// put does not stop the others, so that the test can tell an item lost after its put returned from one whose
    /// put failed.
    /// </summary>
    public static async Task<int> PutAsync(string endpoint, int first, int count, int sentinels, string output)
    {
        (IAsyncDisposable opened, ProcessQueue<int> items) = await OpenBoardAsync(endpoint);
        await using var board = opened;
        Console.WriteLine("opened");
        const int Parallel = 32;
        int next = first - 1;
        var put = new List<int>[Parallel];
        var failed = new List<int>[Parallel];
        var workers = new Task[Parallel];
        for (int w = 0; w < Parallel; w++)
        {
            var mine = put[w] = new List<int>();
            var lost = failed[w] = new List<int>();
            workers[w] = Task.Run(async () =>
            {
                int item;
                while ((item = Interlocked.Increment(ref next)) < first + count)
                {
                    try
                    {
                        await items.PutAsync(item, TimeSpan.FromSeconds(60));
                        mine.Add(item);
                    }
                    catch (Exception ex)
                    {
                        lost.Add(item);
                        Console.Error.WriteLine($"put {item} failed: {ex}");
                    }
                }
            });
        }
        await Task.WhenAll(workers);
        for (int i = 0; i < sentinels; i++)
            await items.PutAsync(-1, TimeSpan.FromSeconds(60));
        WriteItems(output, put);
        WriteItems(output + ".failed", failed);
        Console.WriteLine("put done");
        return 0;
    }

    /// <summary>Writes every item of <paramref name="lists"/> to <paramref name="path"/> as little-endian ints.</summary>
    private static void WriteItems(string path, List<int>[] lists)
    {
        using var file = File.Create(path);
        var buffer = new byte[4];
        foreach (var list in lists)
        {
            foreach (int item in list)
            {
                BinaryPrimitives.WriteInt32LittleEndian(buffer, item);
                file.Write(buffer);
            }
        }
    }

    /// <summary>
    /// Gets with <paramref name="workers"/> concurrent getters, each until its first sentinel (Python's idiom: one
    /// sentinel per getter), calling TaskDone for each item (mode "done") or not; writes every item got to
    /// <paramref name="output"/> (a little-endian int, then the little-endian 64-bit tick count when it was got).
    /// </summary>
    public static async Task<int> GetAsync(string endpoint, int workers, string output, string mode)
    {
        (IAsyncDisposable opened, ProcessQueue<int> items) = await OpenBoardAsync(endpoint);
        await using var board = opened;
        Console.WriteLine("opened");
        var got = new List<(int Item, long At)>[workers];
        var tasks = new Task[workers];
        for (int w = 0; w < workers; w++)
        {
            var mine = got[w] = new List<(int Item, long At)>();
            tasks[w] = Task.Run(async () =>
            {
                while (true)
                {
                    // Long: the getters wait through the failover, and for the sentinels, on a busy machine.
                    int item = await items.GetAsync(TimeSpan.FromMinutes(10));
                    if (mode == "done")
                        items.TaskDone();
                    if (item == -1)
                        return;
                    mine.Add((item, Environment.TickCount64));
                }
            });
        }
        await Task.WhenAll(tasks);
        // Each item with the time it was got (the machine's tick count, the same clock in every process), so that the
        // test can tell an item got twice by a redelivery (an ack wait apart) from one got twice at once.
        await using var file = File.Create(output);
        var buffer = new byte[12];
        foreach (var list in got)
        {
            foreach ((int item, long at) in list)
            {
                BinaryPrimitives.WriteInt32LittleEndian(buffer, item);
                BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(4), at);
                file.Write(buffer);
            }
        }
        Console.WriteLine("get done");
        return 0;
    }

    /// <summary>Creates the board's streams with <paramref name="replicas"/> replicas.</summary>
    public static async Task<int> CreateAsync(string endpoint, int replicas)
    {
        (IAsyncDisposable board, _) = await OpenBoardAsync(endpoint, create: true, replicas);
        await board.DisposeAsync();
        Console.WriteLine("created");
        return 0;
    }

    /// <summary>Gets <paramref name="count"/> items without TaskDone, says so, then waits to be killed.</summary>
    public static async Task<int> HoldAsync(string endpoint, int count)
    {
        (IAsyncDisposable opened, ProcessQueue<int> items) = await OpenBoardAsync(endpoint);
        await using var board = opened;
        for (int i = 0; i < count; i++)
            Console.WriteLine("held " + await items.GetAsync(TimeSpan.FromSeconds(30)));
        Console.WriteLine("holding");
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    /// <summary>
    /// Caps this process's thread pool at a few threads (2 to start with, at most 4 or one per core), so that an
    /// asynchronous call that blocks a thread-pool thread starves it at once instead of after dozens of calls.
    /// False, with the reason on standard error, when the runtime refuses the limits.
    /// </summary>
    public static bool CapThreadPool()
    {
        int max = Math.Max(4, Environment.ProcessorCount);
        bool capped = ThreadPool.SetMinThreads(2, 2) & ThreadPool.SetMaxThreads(max, max);
        if (!capped)
            Console.Error.WriteLine($"The thread pool refused the limits 2 to {max} threads.");
        return capped;
    }

    /// <summary>
    /// In a thread pool of a few threads (<see cref="CapThreadPool"/>), makes <paramref name="count"/> concurrent
    /// <c>PutAsync</c> of the items from <paramref name="first"/> into the small board, each with a timeout of
    /// <paramref name="timeoutMs"/>; prints "started" once they are all under way, then "put" and the longest put's
    /// milliseconds. A put that fails fails the scenario (exit code 6, the exceptions on standard error).
    /// </summary>
    public static async Task<int> StarvedPutsAsync(string endpoint, int first, int count, int timeoutMs)
    {
        if (!CapThreadPool())
            return 7;
        await using var board = await INatsSmallBoard.OpenAsync(endpoint, Options());
        var puts = new Task<long>[count];
        for (int i = 0; i < count; i++)
            puts[i] = TimedPutAsync(board.Items, first + i, timeoutMs);
        Console.WriteLine("started");
        try
        {
            long[] took = await Task.WhenAll(puts);
            Console.WriteLine("put " + took.Max());
            return 0;
        }
        catch (Exception)
        {
            foreach (var put in puts)
            {
                if (put.Exception is { } error)
                    Console.Error.WriteLine(error.InnerException);
            }
            return 6;
        }
    }

    private static async Task<long> TimedPutAsync(ProcessQueue<int> items, int item, int timeoutMs)
    {
        long start = Environment.TickCount64;
        await items.PutAsync(item, TimeSpan.FromMilliseconds(timeoutMs));
        return Environment.TickCount64 - start;
    }

    /// <summary>
    /// In a thread pool of a few threads (<see cref="CapThreadPool"/>), gets from the small board with
    /// <paramref name="workers"/> concurrent getters until it is closed and drained: half call <c>GetAsync</c> (each
    /// with a timeout of <paramref name="timeoutMs"/>) in a loop, half read <c>Reader.ReadAllAsync()</c>. Prints
    /// "started" once they are all waiting, then "got" and the items, comma-separated. A get that fails otherwise
    /// fails the scenario (exit code 6).
    /// </summary>
    public static async Task<int> StarvedGetsAsync(string endpoint, int workers, int timeoutMs)
    {
        if (!CapThreadPool())
            return 7;
        await using var board = await INatsSmallBoard.OpenAsync(endpoint, Options());
        var got = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var getters = new Task[workers];
        for (int w = 0; w < workers; w++)
            getters[w] = w % 2 == 0 ? GetUntilDrainedAsync(board.Items, got, timeoutMs) : ReadAllAsync(board.Items, got);
        Console.WriteLine("started");
        try
        {
            await Task.WhenAll(getters);
        }
        catch (Exception)
        {
            foreach (var getter in getters)
            {
                if (getter.Exception is { } error)
                    Console.Error.WriteLine(error.InnerException);
            }
            return 6;
        }
        Console.WriteLine("got " + string.Join(',', got));
        return 0;
    }

    private static async Task GetUntilDrainedAsync(ProcessQueue<int> items, System.Collections.Concurrent.ConcurrentQueue<int> got, int timeoutMs)
    {
        while (true)
        {
            try
            {
                got.Enqueue(await items.GetAsync(TimeSpan.FromMilliseconds(timeoutMs)));
            }
            catch (System.Threading.Channels.ChannelClosedException)
            {
                return;
            }
        }
    }

    private static async Task ReadAllAsync(ProcessQueue<int> items, System.Collections.Concurrent.ConcurrentQueue<int> got)
    {
        await foreach (int item in items.Reader.ReadAllAsync())
            got.Enqueue(item);
    }
}
