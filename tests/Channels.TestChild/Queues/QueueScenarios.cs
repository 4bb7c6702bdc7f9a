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
    internal static ChannelOptions Options(string key, int prefetch = 1) => new()
    {
        Key = key == "-" ? (ReadOnlyMemory<byte>?)null : Convert.FromBase64String(key),
        QueuePrefetch = prefetch,
    };

    internal static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

    // queue-produce <endpoint> <key> <capacity> <producer> <count>
    [ChildScenario("queue-produce")]
    public static async Task<int> ProduceAsync(string[] args)
    {
        int producer = Int(args[3]);
        long count = long.Parse(args[4], CultureInfo.InvariantCulture);
        await using var board = await IWorkBoard.Definition(Int(args[2])).OpenAsync(args[0], Options(args[1]));
        for (long sequence = 0; sequence < count; sequence++)
            await board.Items.PutAsync(new WorkItem(producer, sequence));
        Console.WriteLine($"producer {producer} put {count}");
        return 0;
    }

    // queue-consume <endpoint> <key> <capacity> <consumer> <prefetch> <report 0|1>
    // Reads until the queue is closed and drained; for each item reports a result (when asked), then TaskDone.
    [ChildScenario("queue-consume")]
    public static async Task<int> ConsumeAsync(string[] args)
    {
        int consumer = Int(args[3]);
        bool report = args[5] == "1";
        await using var board = await IWorkBoard.Definition(Int(args[2])).OpenAsync(args[0], Options(args[1], Int(args[4])));
        Console.WriteLine($"consumer {consumer} ready");
        long processed = 0;
        await foreach (var item in board.Items.Reader.ReadAllAsync())
        {
            if (report) await board.Results.PutAsync(new WorkResult(consumer, item.Producer, item.Sequence));
            board.Items.TaskDone();
            processed++;
        }
        Console.WriteLine($"consumer {consumer} processed {processed}");
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

    // queue-seed-getter <endpoint> <key> <timeout ms>: the seed's getter, giving up after the timeout of nothing.
    [ChildScenario("queue-seed-getter")]
    public static async Task<int> SeedGetterAsync(string[] args)
    {
        Console.WriteLine($"subprocess getter : {Environment.ProcessId}");
        await using var board = await ISeedBoard.Definition.OpenAsync(args[0], Options(args[1]));
        var timeout = TimeSpan.FromMilliseconds(Int(args[2]));
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
            board.Values.TaskDone();
        }
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
