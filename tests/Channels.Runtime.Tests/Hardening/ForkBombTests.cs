using System.Diagnostics;
using Channels.Runtime.Tests.Infrastructure;
using Channels.Runtime.Tests.Processes;
using Xunit;

namespace Channels.Runtime.Tests.Hardening;

/// <summary>Issue 15, point 5: a program without the child line starts a child, which fails at once instead of starting more.</summary>
[Collection(nameof(ProcessTestsCollection))]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ForkBombTests : IDisposable
{
    private readonly TestRuntimeDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AProgramWithoutTheChildLineFailsFastNamingItAndLeavesNothing()
    {
        string marker = "forkbomb-" + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(_directory.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await using Child program = Child.Start(_directory, "start-without-entry-line", [marker]);

        string lost = await program.WaitForLineAsync("child-", TimeSpan.FromSeconds(60));
        string failure = await program.WaitForLineAsync("failure ", TimeSpan.FromSeconds(30));
        Assert.Equal(0, await program.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        Assert.StartsWith("child-lost", lost);                                   // the child never ran the echo entry
        Assert.Contains("if (ChildProcess.IsChild) return await ChildProcess.RunAsync();", failure);
        Assert.Contains("fork bomb", failure);
        Assert.Empty(ProcessesWithMarker(marker));                               // no process tree grew
        Assert.Empty(_directory.LeftoverFiles());                                // no socket or key left behind
    }

    private static List<int> ProcessesWithMarker(string marker)
    {
        var found = new List<int>();
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
                continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(marker, StringComparison.Ordinal))
                    found.Add(pid);
            }
            catch (IOException)
            {
                // Exited meanwhile.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours.
            }
        }
        return found;
    }
}
