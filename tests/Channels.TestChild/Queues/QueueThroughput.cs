using System.Diagnostics;
using System.Globalization;

namespace Channels.TestChild.Queues;

/// <summary>
/// A quick measurement (not a test): <c>queue-throughput &lt;producers&gt; &lt;consumers&gt; &lt;items&gt; [capacity]</c>
/// hosts an <see cref="IWorkBoard"/> here, starts producer and consumer processes of this program and prints
/// items per second from the first put to the last TaskDone.
/// </summary>
public static class QueueThroughput
{
    /// <summary>Runs the measurement; see the class summary for the arguments.</summary>
    [ChildScenario("queue-throughput")]
    public static async Task<int> RunAsync(string[] args)
    {
        int producers = QueueScenarios.Int(args[0]);
        int consumers = QueueScenarios.Int(args[1]);
        long items = long.Parse(args[2], CultureInfo.InvariantCulture);
        int capacity = args.Length > 3 ? QueueScenarios.Int(args[3]) : 1024;
        string name = "qbench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        await using var board = IWorkBoard.Definition(capacity).Create(name);
        // Children find the key in the key file beside the named socket, as unrelated processes do.
        string endpoint = name, keyText = "-";
        string self = typeof(QueueThroughput).Assembly.Location;
        var children = new List<Process>();
        try
        {
            for (int c = 0; c < consumers; c++)
                children.Add(Start(self, "queue-consume", endpoint, keyText, capacity.ToString(CultureInfo.InvariantCulture), "0", c.ToString(CultureInfo.InvariantCulture), "0"));
            await Task.Delay(300);
            var clock = Stopwatch.StartNew();
            long share = items / producers;
            for (int p = 0; p < producers; p++)
                children.Add(Start(self, "queue-produce", endpoint, keyText, capacity.ToString(CultureInfo.InvariantCulture), "0", p.ToString(CultureInfo.InvariantCulture), share.ToString(CultureInfo.InvariantCulture), "0", "0"));
            // Join can return before any put arrived; wait for the producers first.
            for (int p = consumers; p < children.Count; p++)
            {
                await children[p].WaitForExitAsync();
                if (children[p].ExitCode != 0) throw new InvalidOperationException($"Producer process {children[p].Id} failed with exit code {children[p].ExitCode}.");
            }
            await board.Items.JoinAsync();
            double seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{producers}P/{consumers}C capacity {capacity}: {share * producers} items in {seconds:F2} s = {share * producers / seconds:N0} items/s"));
            board.Items.Writer.Complete();
            foreach (var child in children) await child.WaitForExitAsync();
            return 0;
        }
        finally
        {
            foreach (var child in children)
            {
                if (!child.HasExited) child.Kill();
                child.Dispose();
            }
        }
    }

    private static Process Start(string self, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = false };
        info.ArgumentList.Add(self);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        return Process.Start(info)!;
    }
}
