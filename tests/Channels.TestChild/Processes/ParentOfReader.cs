using Channels;

namespace Channels.TestChild.Processes;

/// <summary>
/// A parent for the parent-death test: starts a child that reads from a pipe, tells the test the child's id on its
/// standard output, then waits to be killed.
/// </summary>
public static class ParentOfReader
{
    public static async Task<int> RunAsync(string markerPath)
    {
        var (parent, child) = IEcho.CreatePipe();
        ChildProcess process = await ChildProcess.StartAsync(child, EchoEntries.ReadUntilLost, markerPath);
        await parent.Numbers.WriteAsync(0);
        Console.WriteLine($"child {process.Id}");
        Console.Out.Flush();
        await Task.Delay(Timeout.Infinite);
        return 0;
    }
}
