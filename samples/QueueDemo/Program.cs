// The second example of Python's multiprocessing write-up (seed_queue.py), with a typed queue contract:
// the parent hosts a queue of capacity 2; a putter child puts 5 random values (waiting while the queue is full),
// a getter child gets them and gives up after 10 s of nothing (QUEUEDEMO_GET_TIMEOUT_SECONDS changes that).
using System.Globalization;
using Channels;

// A process started as a child runs its entry and exits here (Python: if __name__ == '__main__').
if (ChildProcess.IsChild)
    return await ChildProcess.RunAsync();

Console.WriteLine($"parent process run {Environment.ProcessId}");
await using var board = IJobBoard.Create("queuedemo-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
await using var getter = await ChildProcess.StartAsync(board, Getter.Run, "getter");
await using var putter = await ChildProcess.StartAsync(board, Putter.Run, "putter");
int putterExit = await putter.WaitForExitAsync();   // Python: putter_process.join()
int getterExit = await getter.WaitForExitAsync();   // Python: getter_process.join()
return putterExit != 0 ? putterExit : getterExit;

/// <summary>The queue the parent hosts and hands to both children (Python: <c>Queue(2)</c>).</summary>
[ChannelContract]
public partial interface IJobBoard
{
    /// <summary>At most two values wait at any time; a put waits while two are there.</summary>
    [Queue(Capacity = 2)]
    ProcessQueue<double> Values { get; }
}

internal static class Putter
{
    [ChildEntry]
    public static void Run(IJobBoard queue, string name)
    {
        Console.WriteLine($"subprocess {name} : {Environment.ProcessId}");
        for (int i = 0; i < 5; i++)
        {
            double value = Random.Shared.NextDouble();
            queue.Values.Put(value);                          // waits while the queue holds 2 values
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"subprocess {name} : put value {value:F6}"));
        }
    }
}

internal static class Getter
{
    [ChildEntry]
    public static void Run(IJobBoard queue, string name)
    {
        Console.WriteLine($"subprocess {name} : {Environment.ProcessId}");
        var timeout = TimeSpan.FromSeconds(double.Parse(
            Environment.GetEnvironmentVariable("QUEUEDEMO_GET_TIMEOUT_SECONDS") ?? "10", CultureInfo.InvariantCulture));
        while (true)
        {
            double value;
            try
            {
                value = queue.Values.Get(timeout);            // Python: queue.get(True, 10)
            }
            catch (QueueEmptyException)
            {
                break;                                        // Python: except queue.Empty
            }
            // A plain queue, as Python's Queue: the value is gone from the queue once got, nothing to settle.
            // (With [Queue(Redeliver = true)], call queue.Values.TaskDone() when done with each value.)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"subprocess {name} : get value {value:F6}"));
        }
    }
}
