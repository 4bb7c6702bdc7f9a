using System.Diagnostics;
using System.Threading.Channels;
using Channels.Contracts;
using Channels.Runtime.Tests.Infrastructure;
using Channels.TestChild.Contracts;
using Channels.TestChild.Scenarios;
using Xunit;
using Xunit.Abstractions;

namespace Channels.Runtime.Tests.CrossProcess;

/// <summary>Acceptance 2 and 3 across real processes: completion, faults, and a peer killed with SIGKILL.</summary>
public abstract class LifecycleTests(bool sharedMemory, ITestOutputHelper output) : IDisposable
{
    private protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TestRuntimeDirectory _directory = new() { SharedMemory = sharedMemory };

    private protected TestRuntimeDirectory RuntimeDirectory => _directory;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task CompleteEndsTheRemoteReadAllAfterEveryEarlierMessage()
    {
        await using var listener = ISimple.Listen("echo", _directory.Options());
        await using Child child = Child.Start(_directory, "echo", ["echo"]);
        await using ISimple opener = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);

        // Write while reading: the child echoes each number, so neither side may wait for the other to finish.
        Task writer = Task.Run(async () =>
        {
            for (long i = 0; i < 5000; i++)
                await opener.Numbers.WriteAsync(i);
            opener.Numbers.Complete();
            opener.Notes.Complete();
        });

        long expected = 0;
        await foreach (long echo in opener.Echoes.ReadAllAsync().WithCancellation(new CancellationTokenSource(Timeout).Token))
            Assert.Equal(expected++, echo);
        Assert.Equal(5000, expected);
        await writer.WaitAsync(Timeout);
        await opener.Echoes.Completion.WaitAsync(Timeout);
        Assert.Equal(0, await child.WaitForExitAsync(Timeout));
    }

    [Fact]
    public async Task CompleteWithAnErrorArrivesAsChannelClosedWithTheRemoteTypeAndMessage()
    {
        await using var listener = ISimple.Listen("fault", _directory.Options());
        await using Child child = Child.Start(_directory, "echo", ["fault"]);
        await using ISimple opener = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);

        await opener.Numbers.WriteAsync(1);
        Assert.Equal(1, await opener.Echoes.ReadAsync().AsTask().WaitAsync(Timeout));
        await opener.Notes.WriteAsync("fail:the child gave up");

        var ex = await Assert.ThrowsAsync<ChannelClosedException>(async () => await opener.Echoes.ReadAsync().AsTask().WaitAsync(Timeout));
        var remote = Assert.IsType<RemoteException>(ex.InnerException);
        Assert.Equal("System.InvalidOperationException", remote.RemoteType);
        Assert.Equal("the child gave up", remote.RemoteMessage);
        await Assert.ThrowsAsync<ChannelClosedException>(() => opener.Echoes.Completion.WaitAsync(Timeout));
        opener.Numbers.Complete();
        opener.Notes.Complete();
        Assert.Equal(0, await child.WaitForExitAsync(Timeout));
    }

    [Fact]
    public async Task SigkillOfThePeerEndsEveryPendingReadAndWriteWithPeerLostWithinTwoSeconds()
    {
        var unobserved = new List<Exception>();
        EventHandler<UnobservedTaskExceptionEventArgs> record = (_, e) =>
        {
            if (e.Exception.InnerExceptions.Any(x => x is ChannelsException or ChannelClosedException))
            {
                lock (unobserved)
                    unobserved.Add(e.Exception);
            }
        };
        TaskScheduler.UnobservedTaskException += record;
        try
        {
            await using var listener = ITransfer.Listen("victim", _directory.Options());
            await using Child child = Child.Start(_directory, "stream-forever", ["victim"]);
            await using ITransfer opener = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);
            ((IChannelEndpoint)opener).Link.AttachPeerProcess(child.Process);
            await child.WaitForLineAsync("ready");

            // Mid-stream: the child streams receipts that we read, and never reads our orders, so our writes block at its window.
            long writes = 0;
            Task<Exception> writer = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        await opener.Orders.WriteAsync(Checksums.MakeOrder(writes));
                        Interlocked.Increment(ref writes);
                    }
                }
                catch (Exception ex)
                {
                    return ex;
                }
            });
            Task<Exception> reader = Task.Run(async () =>
            {
                try
                {
                    while (true)
                        await opener.Receipts.ReadAsync();
                }
                catch (Exception ex)
                {
                    return ex;
                }
            });
            long seen;
            do
            {
                seen = Interlocked.Read(ref writes);
                await Task.Delay(200);
            }
            while (seen == 0 || Interlocked.Read(ref writes) != seen);
            Assert.False(writer.IsCompleted);
            Assert.False(reader.IsCompleted);
            ValueTask<bool> waitToWrite = opener.Ticks.WaitToWriteAsync(); // completes at once: the ticks lane has window
            Assert.True(await waitToWrite);

            var clock = Stopwatch.StartNew();
            child.Kill();
            Exception writeError = await writer.WaitAsync(Timeout);
            Exception readError = await reader.WaitAsync(Timeout);
            clock.Stop();

            output.WriteLine($"pending write and read ended {clock.ElapsedMilliseconds} ms after SIGKILL");
            var lost = Assert.IsType<PeerLostException>(writeError);
            Assert.IsType<PeerLostException>(readError);
            Assert.Equal(137, lost.ExitCode);
            Assert.Contains("137", lost.Message);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
            await Assert.ThrowsAsync<PeerLostException>(async () => await opener.Ticks.WriteAsync(default));
            await Assert.ThrowsAsync<PeerLostException>(() => opener.Receipts.Completion.WaitAsync(Timeout));
        }
        finally
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            TaskScheduler.UnobservedTaskException -= record;
        }
        Assert.Empty(unobserved);
    }
}

/// <summary>The suite with its links kept on the Unix socket.</summary>
public sealed class LifecycleTestsOverSocket(ITestOutputHelper output) : LifecycleTests(sharedMemory: false, output)
{
    // Over a socket a peer killed in the middle of a send leaves part of a frame; whether its process has ended tells
    // a lost peer from a broken protocol (a shared-memory link drops an unfinished frame and never asks).
    [Fact]
    public async Task BothEndsOfASocketLinkKnowTheOtherEndsProcess()
    {
        await using var listener = ISimple.Listen("named", RuntimeDirectory.Options());
        await using Child child = Child.Start(RuntimeDirectory, "echo", ["named"]);
        await using ISimple opener = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);

        // The link's own socket pair is made by the opener, which the kernel names at both of its ends: the opener
        // keeps the name it had from the handshake's socket.
        var transport = Assert.IsType<Channels.Transports.UnixSocket.UnixSocketTransport>(((IChannelEndpoint)opener).Link.Transport);
        Assert.Equal(child.Process.Id, transport.PeerProcessId);
    }
}

/// <summary>The suite with its links in shared memory.</summary>
public sealed class LifecycleTestsOverSharedMemory(ITestOutputHelper output) : LifecycleTests(sharedMemory: true, output);
