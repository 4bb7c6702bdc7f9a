using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace Channels.Runtime.Tests.Processes;

/// <summary>The README's demo: samples/PipeDemo, run as a user runs it, as its own process.</summary>
public sealed partial class PipeDemoTests
{
    [Fact]
    public async Task PrintsBothProcessIdsTheTenValuesInOrderAndExitsZero()
    {
        string demo = SamplePath("PipeDemo");
        var start = new ProcessStartInfo(TestChildren.DotNet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(demo);
        using var process = Process.Start(start)!;
        try
        {
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            string[] lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}; stderr: {await errors}");
            Match parent = ParentRunning().Match(lines[0]);
            Assert.True(parent.Success, lines[0]);
            Match child = ChildRunning().Match(lines[1]);
            Assert.True(child.Success, lines[1]);
            Assert.Equal(parent.Groups[1].Value, child.Groups[2].Value);       // the child knows its parent
            Assert.NotEqual(parent.Groups[1].Value, child.Groups[1].Value);    // and is another process
            Assert.Equal(Enumerable.Range(0, 10).Select(i => $"out pipe : {i}"), lines[2..12]);
            Assert.Equal($"parent done {parent.Groups[1].Value}", lines[12]);
            Assert.Equal(13, lines.Length);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>The sample's built program, in the configuration these tests were built in (the test project depends on it).</summary>
    internal static string SamplePath(string name)
    {
        string configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<configuration>/net10.0
        string root = RepositoryRoot();
        string path = Path.Combine(root, "samples", name, "bin", configuration, "net10.0", name + ".dll");
        Assert.True(File.Exists(path), $"{path} is missing: build the solution first.");
        return path;
    }

    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Channels.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException("Channels.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^parent running (\d+)$")]
    private static partial Regex ParentRunning();

    [GeneratedRegex(@"^child running (\d+), parent (\d+)$")]
    private static partial Regex ChildRunning();
}
