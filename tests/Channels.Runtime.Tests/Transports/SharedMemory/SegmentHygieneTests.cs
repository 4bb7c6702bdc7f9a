using System.Diagnostics;
using Channels.Contracts;
using Channels.Runtime.Tests.Infrastructure;
using Channels.Runtime.Tests.Processes;
using Channels.TestChild.Contracts;
using Xunit;

namespace Channels.Runtime.Tests.Transports.SharedMemory;

/// <summary>
/// Issue 11, acceptance 4: the segment of a shared-memory link has no name anywhere (a memfd handed over the
/// authenticated socket), mode 0600, cannot be opened by another user, and is gone from this process once the
/// link ends, whether the other end closed or was killed; nothing appears in the runtime directory or /dev/shm.
/// </summary>
[Collection(nameof(ProcessTestsCollection))]
public sealed class SegmentHygieneTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private const string SegmentName = "/memfd:channels-link";
    private readonly TestRuntimeDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task TheSegmentIsNamelessPrivateAndGoneAfterAnOrderlyClose()
    {
        string[] shmBefore = Directory.GetFiles("/dev/shm");
        Assert.Empty(OpenSegments());
        var listener = ISimple.Listen("hygiene", _directory.Options());
        ISimple.Peer peer = await ISimple.Peer.ConnectAsync("hygiene", _directory.Options()).AsTask().WaitAsync(Timeout);
        ISimple opener = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);
        await opener.Numbers.WriteAsync(7);
        Assert.Equal(7, await peer.Numbers.ReadAsync().AsTask().WaitAsync(Timeout));

        // Both ends live in this process: the opener's memfd and the one the peer received.
        string[] segments = OpenSegments();
        Assert.Equal(2, segments.Length);
        foreach (string fd in segments)
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, OperatingSystem.IsWindows() ? default : File.GetUnixFileMode(fd));
        Assert.All(_directory.LeftoverFiles(), file => Assert.True(file.EndsWith(".sock", StringComparison.Ordinal) || file.EndsWith(".key", StringComparison.Ordinal), file));
        Assert.Equal(shmBefore, Directory.GetFiles("/dev/shm"));
        if (Environment.UserName == "root")
            await AssertOtherUserCannotOpenAsync(segments[0]);

        await peer.DisposeAsync();
        await opener.DisposeAsync();
        await listener.DisposeAsync();
        await WaitUntilAsync(() => OpenSegments().Length == 0 && !MappedSegment());
        Assert.Empty(_directory.LeftoverFiles());
        Assert.Equal(shmBefore, Directory.GetFiles("/dev/shm"));
    }

    [Fact]
    public async Task TheSurvivorReleasesTheSegmentWhenTheOtherEndIsKilled()
    {
        string[] shmBefore = Directory.GetFiles("/dev/shm");
        await using (var listener = ITransfer.Listen("hygiene-kill", _directory.Options()))
        {
            await using Child child = Child.Start(_directory, "stream-forever", ["hygiene-kill"]);
            await using ITransfer opener = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);
            ((IChannelEndpoint)opener).Link.AttachPeerProcess(child.Process);
            await child.WaitForLineAsync("ready");
            await opener.Receipts.ReadAsync().AsTask().WaitAsync(Timeout);
            Assert.Single(OpenSegments());
            child.Kill();
            await Assert.ThrowsAsync<PeerLostException>(async () =>
            {
                while (true)
                    await opener.Receipts.ReadAsync().AsTask().WaitAsync(Timeout);
            });
            // Without disposing the link: the end of the peer alone releases the mapping and the descriptor.
            await WaitUntilAsync(() => OpenSegments().Length == 0 && !MappedSegment());
        }
        Assert.Empty(_directory.LeftoverFiles());
        Assert.Equal(shmBefore, Directory.GetFiles("/dev/shm"));
    }

    private static async Task AssertOtherUserCannotOpenAsync(string fd)
    {
        string path = $"/proc/{Environment.ProcessId}/fd/{Path.GetFileName(fd)}";
        var info = new ProcessStartInfo("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", "head", "-c", "1", path])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using Process process = Process.Start(info)!;
        string error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Timeout);
        Assert.True(process.ExitCode != 0, $"user 65534 opened the segment ({path})");
        Assert.Contains("Permission denied", error);
    }

    // The descriptors of this process that are link segments.
    private static string[] OpenSegments()
    {
        var found = new List<string>();
        foreach (string fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is string target && target.StartsWith(SegmentName, StringComparison.Ordinal))
                    found.Add(fd);
            }
            catch (IOException)
            {
                // Closed while we looked.
            }
        }
        return found.ToArray();
    }

    private static bool MappedSegment() => File.ReadAllText("/proc/self/maps").Contains(SegmentName.TrimStart('/'), StringComparison.Ordinal);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Timeout, "the segment was still open or mapped");
            await Task.Delay(20);
        }
    }
}
