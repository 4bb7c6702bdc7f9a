using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using WorkerService;
using Xunit;

namespace Channels.Hosting.Tests;

/// <summary>
/// samples/WorkerService as a user runs it: a process that serves IGreeter links and hosts the IWorkBoard queues with
/// a child squaring jobs. A client uses both; SIGINT (Ctrl+C) then stops it cleanly: exit code 0, the client's link
/// completes normally, the child is gone and no socket or key file is left.
/// </summary>
public sealed partial class WorkerServiceSampleTests
{
    private const int SigInt = 2;

    /// <summary>Generous: a loaded 2-core machine can stall a process for many seconds; a healthy run takes about five.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task ServesALinkAndAQueueAndStopsCleanlyOnSigint()
    {
        string runtime = TestPaths.NewPrivateDirectory("chn-hosting-");
        string greeterName = "greeter-" + Guid.NewGuid().ToString("N")[..8];
        string workName = "work-" + Guid.NewGuid().ToString("N")[..8];
        // A shell without job control starts background commands (`bash test.sh &`) with SIGINT ignored, the service
        // inherits that, and .NET then leaves SIGINT alone as a shell's user would expect: restore the default
        // disposition so that the service sees the SIGINT a terminal's Ctrl+C sends.
        var start = new ProcessStartInfo("/usr/bin/env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add(TestPaths.DotNet);
        start.ArgumentList.Add(TestPaths.Sample("WorkerService"));
        start.ArgumentList.Add("--Greeter=" + greeterName);
        start.ArgumentList.Add("--Work=" + workName);
        start.Environment["XDG_RUNTIME_DIR"] = runtime;
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        using var service = Process.Start(start)!;
        int childId = 0;
        var output = new System.Text.StringBuilder();
        try
        {
            Task<string> errors = service.StandardError.ReadToEndAsync();
            childId = await WaitForChildAsync(service, output).WaitAsync(Patience);
            Assert.True(IsAlive(childId), "the squarer child is not running");

            var options = new ChannelOptions { RuntimeDirectory = Path.Combine(runtime, "channels") };
            await using IGreeter.Peer client = await IGreeter.Peer.ConnectAsync(greeterName, options);
            await client.Names.WriteAsync("ada");
            Assert.Equal("hello ada from " + service.Id, await client.Greetings.ReadAsync().AsTask().WaitAsync(Patience));

            await using (IWorkBoard board = await IWorkBoard.OpenAsync(workName, options))
            {
                for (int i = 1; i <= 5; i++)
                    await board.Jobs.PutAsync(i);
                var squares = new SortedSet<long>();
                for (int i = 0; i < 5; i++)
                    squares.Add((await board.Results.GetAsync(Patience)).Square);
                Assert.Equal(new long[] { 1, 4, 9, 16, 25 }, squares);
            }

            Assert.Equal(0, Kill(service.Id, SigInt));

            Task<string> rest = service.StandardOutput.ReadToEndAsync();
            try
            {
                // The link was open when the host stopped: it completes normally (the handler returned, the link was disposed).
                await client.Greetings.Completion.WaitAsync(Patience);
                await service.WaitForExitAsync().WaitAsync(Patience);
            }
            catch (TimeoutException)
            {
                service.Kill(entireProcessTree: true);
                Assert.Fail($"the service did not stop within {Patience} of SIGINT\nstdout:\n{output}{await rest}\nstderr:\n{await errors}");
            }
            output.Append(await rest);
            Assert.True(service.ExitCode == 0, $"exit code {service.ExitCode}\nstdout:\n{output}\nstderr:\n{await errors}");
            Assert.Contains("stopped", output.ToString(), StringComparison.Ordinal);
            Assert.False(IsAlive(childId), $"child {childId} outlived the service");
            string channels = Path.Combine(runtime, "channels");
            Assert.Empty(Directory.Exists(channels) ? Directory.GetFileSystemEntries(channels) : []);
        }
        finally
        {
            if (!service.HasExited)
                service.Kill(entireProcessTree: true);
            if (childId != 0 && IsAlive(childId))
                Kill(childId, 9);
            TestPaths.DeleteQuietly(runtime);
        }
    }

    private static async Task<int> WaitForChildAsync(Process service, System.Text.StringBuilder output)
    {
        while (await service.StandardOutput.ReadLineAsync() is { } line)
        {
            output.AppendLine(line);
            Match started = ChildStarted().Match(line);
            if (started.Success)
                return int.Parse(started.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException("The service ended before starting its child:\n" + output);
    }

    /// <summary>Alive and not a zombie (an exited child not yet reaped by anyone reads as state Z).</summary>
    private static bool IsAlive(int pid)
    {
        string stat = "/proc/" + pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/stat";
        try
        {
            string text = File.ReadAllText(stat);
            int close = text.LastIndexOf(')');
            return close > 0 && close + 2 < text.Length && text[close + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [GeneratedRegex(@"squarer child (\d+) started")]
    private static partial Regex ChildStarted();
}
