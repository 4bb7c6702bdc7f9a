using System.Globalization;
using Channels.Runtime.Tests.Infrastructure;
using Channels.TestChild.Contracts;
using Xunit;
using Xunit.Abstractions;

namespace Channels.Runtime.Tests.CrossProcess;

/// <summary>Acceptance 4: a writer facing a reader that never reads stops at the window, and its memory stays bounded.</summary>
public abstract class BackpressureTests(bool sharedMemory, ITestOutputHelper output) : IDisposable
{
    private const int WindowMessages = 1000;
    private const int WindowBytes = 4 * 1024 * 1024;
    private const int PayloadChars = 64 * 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TestRuntimeDirectory _directory = new() { SharedMemory = sharedMemory };

    public void Dispose() => _directory.Dispose();

    private static long[] Numbers(string line) => line.Split(' ').Skip(1).Where(x => long.TryParse(x, out _)).Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();

    [Fact]
    public async Task TheWriterStopsAtTheWindowAndItsMemoryStaysBoundedWhileTenWindowsAreAttempted()
    {
        // Ten windows of about 64 KiB messages: 640 attempts, some 40 MiB or more if it were all buffered.
        int attempts = 10 * (WindowBytes / PayloadChars);
        await using Child child = Child.Start(_directory, "backpressure", ["bp", PayloadChars.ToString(CultureInfo.InvariantCulture), attempts.ToString(CultureInfo.InvariantCulture)]);
        await child.WaitForLineAsync("listening", Timeout);
        await using ITransfer.Peer idleReader = await ITransfer.Peer.ConnectAsync("bp", _directory.Options(windowMessages: WindowMessages, windowBytes: WindowBytes)).AsTask().WaitAsync(Timeout);

        long tryWrites = Numbers(await child.WaitForLineAsync("trywrite ", Timeout))[0];
        long[] written = Numbers(await child.WaitForLineAsync("written ", Timeout));
        long[] heap = Numbers(await child.WaitForLineAsync("heap ", Timeout));
        long[] rss = Numbers(await child.WaitForLineAsync("rss ", Timeout));
        output.WriteLine($"TryWrite accepted {tryWrites}; {written[0]} of {written[1]} large writes completed; heap {heap[0]:N0} -> {heap[1]:N0}; rss {rss[0]:N0} -> {rss[1]:N0}");

        Assert.Equal(WindowMessages, tryWrites);
        Assert.Equal(attempts, written[1]);
        long admittedBytes = written[0] * PayloadChars;
        Assert.True(admittedBytes <= WindowBytes + 2L * PayloadChars * 2, $"{written[0]} messages of {PayloadChars} chars passed a {WindowBytes}-byte window");
        Assert.True(written[0] < attempts / 2, $"{written[0]} of {attempts} writes completed");
        long attemptedBytes = (long)attempts * PayloadChars;
        // What stays is the window in flight plus the link's pooled send buffers: a few windows, never the attempts.
        Assert.True(heap[1] - heap[0] < attemptedBytes / 2, $"heap grew by {heap[1] - heap[0]:N0} bytes while {attemptedBytes:N0} were attempted");
        Assert.True(rss[1] - rss[0] < attemptedBytes / 2, $"rss grew by {rss[1] - rss[0]:N0} bytes while {attemptedBytes:N0} were attempted");
        Assert.Equal(WindowMessages, idleReader.Ticks.Count);
    }
}

/// <summary>The suite with its links kept on the Unix socket.</summary>
public sealed class BackpressureTestsOverSocket(ITestOutputHelper output) : BackpressureTests(sharedMemory: false, output);

/// <summary>The suite with its links in shared memory.</summary>
public sealed class BackpressureTestsOverSharedMemory(ITestOutputHelper output) : BackpressureTests(sharedMemory: true, output);
