using System.Diagnostics;
using System.Globalization;

namespace Channels.TestChild.Queues;

/// <summary>
/// The queue scenarios a test starts as <c>dotnet Channels.TestChild.dll &lt;scenario&gt; &lt;endpoint&gt; &lt;key, base64, or - to read the key file&gt; ...</c>.
/// Registered with <see cref="ChildScenarioAttribute"/>; the arguments after the scenario's name start with the endpoint.
/// Each opens the queues of a host started by the test, with the ticket a <c>QueueSession</c> gives for children.
/// </summary>
public static class QueueScenarios
{
    /// <summary>The item that tells a consumer one producer is finished (the sentinel idiom).</summary>
    public static readonly WorkItem Sentinel = new(-1, -1);

    internal static ChannelOptions Options(string key) => new()
    {
        Key = key == "-" ? (ReadOnlyMemory<byte>?)null : Convert.FromBase64String(key),
    };

    internal static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

    internal static bool Flag(string text) => text == "1";

    // queue-produce <endpoint> <key> <capacity> <redeliver 0|1> <producer> <count> <sentinels> <mark every>
    // Puts count items, then the sentinels; after every `mark every` puts that returned prints "put <n>" (n returned).
    [ChildScenario("queue-produce")]
    public static async Task<int> ProduceAsync(string[] args)
    {
        int producer = Int(args[4]);
        long count = long.Parse(args[5], CultureInfo.InvariantCulture);
        int sentinels = Int(args[6]);
        int mark = Int(args[7]);
        await using var board = await IWorkBoard.Definition(Int(args[2]), Flag(args[3])).OpenAsync(args[0], Options(args[1]));
        Console.WriteLine($"producer {producer} ready");
        for (long sequence = 0; sequence < count; sequence++)
        {
            board.Items.Put(new WorkItem(producer, sequence));
            if (mark > 0 && (sequence + 1) % mark == 0)
                Console.WriteLine($"put {sequence + 1}");
        }
        for (int i = 0; i < sentinels; i++)
            board.Items.Put(Sentinel);
        Console.WriteLine($"producer {producer} put {count}");
        return 0;
    }

    // queue-consume <endpoint> <key> <capacity> <redeliver 0|1> <consumer> <report 0|1>
    // Reads until the queue is closed and drained; for each item reports a result (when asked), then TaskDone.
    [ChildScenario("queue-consume")]
    public static async Task<int> ConsumeAsync(string[] args)
    {
        int consumer = Int(args[4]);
        bool report = Flag(args[5]);
        await using var board = await IWorkBoard.Definition(Int(args[2]), Flag(args[3])).OpenAsync(args[0], Options(args[1]));
        Console.WriteLine($"consumer {consumer} ready");
        long processed = 0;
        await foreach (var item in board.Items.Reader.ReadAllAsync())
        {
            if (report) board.Results.Put(new WorkResult(consumer, item.Producer, item.Sequence));
            board.Items.TaskDone();
            processed++;
        }
        Console.WriteLine($"consumer {consumer} processed {processed}");
        return 0;
    }

    // queue-sentinel-consume <endpoint> <key> <capacity> <consumer> <producers> <per producer> <tally file>
    // Python's idiom: Get until one sentinel per producer has come; writes one byte per item id (how often it came).
    [ChildScenario("queue-sentinel-consume")]
    public static async Task<int> SentinelConsumeAsync(string[] args)
    {
        int consumer = Int(args[3]);
        int producers = Int(args[4]);
        long perProducer = long.Parse(args[5], CultureInfo.InvariantCulture);
        var tally = new byte[producers * perProducer];
        await using var board = await IWorkBoard.Definition(Int(args[2])).OpenAsync(args[0], Options(args[1]));
        Console.WriteLine($"consumer {consumer} ready");
        int sentinels = 0;
        long items = 0, strangers = 0;
        while (sentinels < producers)
        {
            WorkItem item = board.Items.Get();
            if (item == Sentinel)
            {
                sentinels++;
                continue;
            }
            long id = item.Producer * perProducer + item.Sequence;
            if ((ulong)id >= (ulong)tally.Length)
                strangers++;
            else if (tally[id] < 255)
                tally[id]++;
            items++;
        }
        await File.WriteAllBytesAsync(args[6], tally);
        Console.WriteLine($"consumer {consumer} got {items} strangers {strangers}");
        return 0;
    }

    // queue-seed-putter <endpoint> <key> <count>: the seed's putter, with values 0.1, 0.2, ... so the test knows them.
    [ChildScenario("queue-seed-putter")]
    public static async Task<int> SeedPutterAsync(string[] args)
    {
        Console.WriteLine($"subprocess putter : {Environment.ProcessId}");
        await using var board = await ISeedBoard.Definition.OpenAsync(args[0], Options(args[1]));
        int count = Int(args[2]);
        for (int i = 1; i <= count; i++)
        {
            double value = i / 10.0;
            board.Values.Put(value);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"subprocess putter : put value {value:F6}"));
        }
        return 0;
    }

    // queue-seed-getter <endpoint> <key> <timeout ms> <task done 0|1>: the seed's getter, giving up after the timeout
    // of nothing. The seed (Python's plain Queue) never calls task_done; with 1 it does after each value.
    [ChildScenario("queue-seed-getter")]
    public static async Task<int> SeedGetterAsync(string[] args)
    {
        Console.WriteLine($"subprocess getter : {Environment.ProcessId}");
        await using var board = await ISeedBoard.Definition.OpenAsync(args[0], Options(args[1]));
        var timeout = TimeSpan.FromMilliseconds(Int(args[2]));
        bool taskDone = args.Length > 3 && Flag(args[3]);
        while (true)
        {
            double value;
            try
            {
                value = board.Values.Get(timeout);
            }
            catch (QueueEmptyException)
            {
                break;
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"subprocess getter : get value {value:F6}"));
            if (taskDone) board.Values.TaskDone();
        }
        return 0;
    }

    // queue-get-and-hold <endpoint> <key> <capacity> <redeliver 0|1> <count>: gets count items, prints each, then waits forever.
    [ChildScenario("queue-get-and-hold")]
    public static async Task<int> GetAndHoldAsync(string[] args)
    {
        await using var board = await IWorkBoard.Definition(Int(args[2]), Flag(args[3])).OpenAsync(args[0], Options(args[1]));
        int count = Int(args[4]);
        for (int i = 0; i < count; i++)
        {
            WorkItem item = board.Items.Get();
            Console.WriteLine($"got {item.Producer} {item.Sequence}");
        }
        Console.WriteLine("holding");
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    // queue-host <endpoint> <capacity>: hosts an IWorkBoard by name, prints "hosting", then waits to be killed.
    [ChildScenario("queue-host")]
    public static async Task<int> HostAsync(string[] args)
    {
        await using var board = IWorkBoard.Definition(Int(args[1])).Create(args[0]);
        Console.WriteLine("hosting");
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    // queue-timeouts <endpoint> <key> <capacity> <timeout ms>: Get on the empty queue, then fill it and Put once more.
    [ChildScenario("queue-timeouts")]
    public static async Task<int> TimeoutsAsync(string[] args)
    {
        int capacity = Int(args[2]);
        var timeout = TimeSpan.FromMilliseconds(Int(args[3]));
        await using var board = await IWorkBoard.Definition(capacity).OpenAsync(args[0], Options(args[1]));
        var clock = Stopwatch.StartNew();
        try
        {
            board.Items.Get(timeout);
            Console.WriteLine("got an item from an empty queue");
            return 1;
        }
        catch (QueueEmptyException)
        {
            Console.WriteLine($"empty after {clock.ElapsedMilliseconds} ms");
        }
        int put = 0;
        while (true)
        {
            clock.Restart();
            try
            {
                board.Items.Put(new WorkItem(0, put), timeout);
                put++;
            }
            catch (QueueFullException)
            {
                Console.WriteLine($"full after {put} puts, waited {clock.ElapsedMilliseconds} ms");
                return 0;
            }
            if (put > capacity)
            {
                Console.WriteLine($"put {put} items into a queue of capacity {capacity}");
                return 1;
            }
        }
    }
}
