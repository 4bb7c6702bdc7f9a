// The first example of Python's multiprocessing write-up (seed_pipe.py), with a typed contract:
// the parent sends 0..9 through a pipe, completes it, and the child prints each value until the pipe ends.
using System.Threading.Channels;
using Channels;

// A process started as a child runs its entry and exits here (Python: if __name__ == '__main__').
if (ChildProcess.IsChild)
    return await ChildProcess.RunAsync();

Console.WriteLine($"parent running {Environment.ProcessId}");
var (parent, child) = INumbers.CreatePipe();
int exitCode;
await using (parent)
{
    await using var process = await ChildProcess.StartAsync(child, NumberPrinter.Run, Environment.ProcessId);
    for (int i = 0; i < 10; i++)
        await parent.Values.WriteAsync(i);
    parent.Values.Complete();            // Python: in_pipe.close(); the child's loop ends after the values
    exitCode = await process.WaitForExitAsync();
}
Console.WriteLine($"parent done {Environment.ProcessId}");
return exitCode;

/// <summary>One lane: the parent writes numbers, the child reads them.</summary>
[ChannelContract]
public partial interface INumbers
{
    ChannelWriter<int> Values { get; }
}

internal static class NumberPrinter
{
    [ChildEntry]
    public static async Task Run(INumbers.Peer parent, int parentId, CancellationToken cancellationToken)
    {
        Console.WriteLine($"child running {Environment.ProcessId}, parent {parentId}");
        await foreach (int value in parent.Values.ReadAllAsync(cancellationToken))
            Console.WriteLine($"out pipe : {value}");
    }
}
