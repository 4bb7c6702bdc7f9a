using System.Diagnostics;
using Channels.Runtime.Tests.Processes;
using Xunit;

namespace Channels.Runtime.Tests.Queues;

/// <summary>samples/QueueDemo, run as a user runs it: the seed's putter and getter children around a queue of capacity 2.</summary>
public sealed class QueueDemoTests
{
    [Fact]
    public async Task The_getter_child_prints_the_five_values_the_putter_child_put_in_the_same_order_then_gives_up()
    {
        var start = new ProcessStartInfo(TestChildren.DotNet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(PipeDemoTests.SamplePath("QueueDemo"));
        start.Environment["QUEUEDEMO_GET_TIMEOUT_SECONDS"] = "1";
        using var process = Process.Start(start)!;
        try
        {
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            string[] lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}; stderr: {await errors}");
            Assert.StartsWith("parent process run ", lines[0]);
            Assert.Single(lines, l => l.StartsWith("subprocess getter : ", StringComparison.Ordinal) && !l.Contains("value"));
            Assert.Single(lines, l => l.StartsWith("subprocess putter : ", StringComparison.Ordinal) && !l.Contains("value"));
            string[] put = [.. lines.Where(l => l.StartsWith("subprocess putter : put value ", StringComparison.Ordinal)).Select(l => l[^8..])];
            string[] got = [.. lines.Where(l => l.StartsWith("subprocess getter : get value ", StringComparison.Ordinal)).Select(l => l[^8..])];
            Assert.Equal(5, put.Length);
            Assert.Equal(put, got);
            Assert.Equal(13, lines.Length);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
    }
}
