using System.Diagnostics;
using System.Text.RegularExpressions;
using Channels.TestChild.Queues;
using Xunit;
using static Channels.Runtime.Tests.Queues.QueueTestSupport;

namespace Channels.Runtime.Tests.Queues;

/// <summary>The shared segment: who can open it (issue 10, acceptance 5), where it goes, and what a put and a get cost.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class QueueSegmentTests
{
    [GeneratedRegex("^[A-Za-z0-9._-]+\\.q[0-9]+\\.[0-9a-f]{32}\\.shm$")]
    private static partial Regex SegmentName();

    [Fact]
    public async Task Segments_are_mode_0600_in_a_0700_directory_under_unguessable_names_and_go_with_the_host()
    {
        string name = UniqueName();
        string[] paths;
        await using (var board = IWorkBoard.Definition(10).Create(name))
        {
            paths = HostSession(board).SegmentPaths;
            Assert.Equal(2, paths.Length);
            foreach (string path in paths)
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
                Assert.Matches(SegmentName(), Path.GetFileName(path));
            }
            Assert.NotEqual(paths[0], paths[1]);
        }
        foreach (string path in paths)
            Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Another_user_cannot_open_the_segment()
    {
        await using var board = IWorkBoard.Definition(10).Create(UniqueName());
        string path = HostSession(board).SegmentPaths[0];
        if (Environment.UserName != "root" || !File.Exists("/usr/bin/setpriv"))
        {
            // Not root: no other uid to try with; the mode bits (checked above and here) are the guarantee.
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            return;
        }
        // Even with the directory open to it, "nobody" gets EACCES on the file itself.
        var info = new ProcessStartInfo("/usr/bin/setpriv") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in (string[])["--reuid=65534", "--regid=65534", "--clear-groups", "--", "/bin/sh", "-c", "cat \"$0\" > /dev/null; echo segment $?; ls \"$(dirname \"$0\")\" > /dev/null; echo directory $?", path])
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        string output = await process.StandardOutput.ReadToEndAsync();
        string errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Contains("segment 1", output, StringComparison.Ordinal);
        Assert.Contains("directory 2", output, StringComparison.Ordinal);
        Assert.Contains("Permission denied", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Opening_a_queue_nobody_created_throws_EndpointNotFoundException_naming_the_endpoint_and_directory()
    {
        string name = UniqueName();
        var error = await Assert.ThrowsAsync<EndpointNotFoundException>(async () => await IWorkBoard.Definition(10).OpenAsync(name));
        Assert.Contains($"'{name}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(Channels.Transports.RuntimeDirectory.Ensure(ChannelOptions.Default), error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<ChannelsException>(error);
        Assert.Throws<EndpointNotFoundException>(() => IWorkBoard.Definition(10).Open("unix:/tmp/" + name + ".sock", new ChannelOptions { Key = new byte[32] }));
    }

    [Fact]
    public async Task Put_and_Get_of_an_unmanaged_item_allocate_nothing_in_the_host_or_in_a_member()
    {
        string name = UniqueName();
        await using var host = IWorkBoard.Definition(1000).Create(name);
        await using var member = await IWorkBoard.Definition(1000).OpenAsync(name);
        foreach (var (putter, getter) in new[] { (host, host), (member, member), (host, member), (member, host) })
        {
            for (int i = 0; i < 2000; i++)
            {
                putter.Items.Put(new WorkItem(1, i));
                getter.Items.Get();
                Assert.True(putter.Items.TryPut(new WorkItem(1, i)));
                Assert.True(getter.Items.TryGet(out _));
                await putter.Items.PutAsync(new WorkItem(1, i));
                await getter.Items.GetAsync();
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10_000; i++)
            {
                putter.Items.Put(new WorkItem(1, i));
                getter.Items.Get();
                putter.Items.TryPut(new WorkItem(1, i));
                getter.Items.TryGet(out _);
                await putter.Items.PutAsync(new WorkItem(1, i));
                await getter.Items.GetAsync();
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated == 0, $"{allocated} bytes allocated for 60,000 operations ({(putter == host ? "host" : "member")} puts, {(getter == host ? "host" : "member")} gets)");
        }
    }

    [Fact]
    public async Task Items_of_every_size_up_to_the_limit_wrap_around_the_ring_intact_and_a_larger_one_is_refused()
    {
        await using var host = IBytesBoard.Definition.Create(UniqueName(), new ChannelOptions { QueueBytes = 64 * 1024 });
        var random = new Random(3);
        int limit = (64 * 1024 / 16) - 8; // a redelivery queue's item limit: half a member's held-item ring (an eighth of the space)
        for (int i = 0; i < 2000; i++)
        {
            int size = i % 50 == 0 ? limit - 8 : random.Next(0, 3000);
            var item = new byte[size];
            random.NextBytes(item);
            host.Items.Put(item);
            if (i % 3 == 0) host.Items.Put(item);
            Assert.Equal(item, host.Items.Get());
            host.Items.TaskDone();
            if (i % 3 == 0)
            {
                Assert.Equal(item, host.Items.Get());
                host.Items.TaskDone();
            }
        }
        Assert.Throws<ArgumentException>(() => host.Items.Put(new byte[limit + 1]));
        Assert.Equal(0, host.Items.Count);
    }
}
