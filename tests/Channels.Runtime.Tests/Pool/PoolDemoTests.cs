using System.Diagnostics;
using System.Text.RegularExpressions;
using Channels.Runtime.Tests.Processes;
using Xunit;

namespace Channels.Runtime.Tests.Pool;

/// <summary>samples/PoolDemo, run as a user runs it, as its own process.</summary>
[Collection(nameof(ProcessTestsCollection))]
public sealed partial class PoolDemoTests
{
    [Fact]
    public async Task PrintsTheSquaresInOrderAndUnorderedAWorkerThatIsAnotherProcessAndTheSamePrimeCountOnOneAndAllWorkers()
    {
        string demo = PipeDemoTests.SamplePath("PoolDemo");
        var start = new ProcessStartInfo(TestChildren.DotNet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(demo);
        using var process = Process.Start(start)!;
        try
        {
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
            string[] lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}; stdout: {string.Join('\n', lines)}; stderr: {await errors}");
            Assert.Equal("map: 0, 1, 4, 9, 16, 25, 36, 49, 64, 81", lines[0]);
            Assert.Equal("imap_unordered (sorted): 0, 1, 4, 9, 16, 25, 36, 49, 64, 81", lines[1]);
            Match apply = Apply().Match(lines[2]);
            Assert.True(apply.Success, lines[2]);
            Assert.NotEqual(apply.Groups[1].Value, apply.Groups[2].Value);
            Match one = Primes().Match(lines[3]);
            Match all = Primes().Match(lines[4]);
            Assert.True(one.Success && all.Success, lines[3] + " / " + lines[4]);
            Assert.Equal("1", one.Groups[1].Value);
            Assert.Equal(Environment.ProcessorCount.ToString(), all.Groups[1].Value);
            Assert.Equal("17984", one.Groups[2].Value); // primes below 200,000
            Assert.Equal(one.Groups[2].Value, all.Groups[2].Value);
            Assert.Equal(5, lines.Length);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
    }

    [GeneratedRegex(@"^apply: worker (\d+), parent (\d+)$")]
    private static partial Regex Apply();

    [GeneratedRegex(@"^primes below 200,000 on (\d+) worker\(s\): (\d+) in \d+ ms$")]
    private static partial Regex Primes();
}
