using System.Diagnostics;
using Xunit;

namespace Channels.Runtime.Tests.Processes;

[Collection(nameof(ProcessTestsCollection))]
public sealed class ParentDeathTests
{
    [Fact]
    public async Task ParentKilledWhileTheChildReadsEndsTheReadWithPeerLostAndTheChildExits()
    {
        string marker = Path.Combine(Directory.CreateTempSubdirectory("channels-test-").FullName, "outcome");
        var start = new ProcessStartInfo(TestChildren.DotNet) { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(TestChildren.TestChildAssembly);
        start.ArgumentList.Add("parent-of-reader");
        start.ArgumentList.Add(marker);
        using var parent = Process.Start(start)!;
        int childId = 0;
        try
        {
            string? line = await parent.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.StartsWith("child ", line);
            childId = int.Parse(line!["child ".Length..]);
            await WaitUntil(() => File.Exists(marker + ".reading"), TimeSpan.FromSeconds(30));

            parent.Kill(); // SIGKILL: no chance to say goodbye
            await parent.WaitForExitAsync();

            await WaitUntil(() => File.Exists(marker), TimeSpan.FromSeconds(5));
            Assert.Equal(nameof(PeerLostException), File.ReadAllText(marker));
            await WaitUntil(() => !IsRunning(childId), TimeSpan.FromSeconds(5));
        }
        finally
        {
            if (!parent.HasExited)
                parent.Kill(entireProcessTree: true);
            if (childId != 0 && IsRunning(childId))
            {
                using var orphan = Process.GetProcessById(childId);
                orphan.Kill();
            }
            Directory.Delete(Path.GetDirectoryName(marker)!, recursive: true);
        }
    }

    // A dead child whose parent died first is reparented; where no one reaps it, it stays a zombie: that counts as gone.
    private static bool IsRunning(int processId)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{processId}/stat");
            char state = stat[stat.LastIndexOf(')') + 2];
            return state is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < limit, $"not true within {limit}");
            await Task.Delay(20);
        }
    }
}
