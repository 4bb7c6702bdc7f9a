using System.Threading.Channels;
using Channels.TestChild.Processes;
using Xunit;

namespace Channels.Runtime.Tests.Processes;

// Not in parallel with other tests: one of them checks that the runtime directory is left as it was found.
[Collection(nameof(ProcessTestsCollection))]
public abstract class ChildProcessTests(bool sharedMemory)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task EntryReceivesPeerArgumentAndTokenAndItsReturnValueIsTheExitCode()
    {
        var (parent, child) = IEcho.CreatePipe(new ChannelOptions { UseSharedMemory = sharedMemory });
        await using (parent)
        {
            await using var process = await ChildProcess.StartAsync(child, EchoEntries.ExitWith, "17", TestChildren.Options());
            using var timeout = new CancellationTokenSource(Patience);

            long tokenWasLive = await parent.Answers.ReadAsync(timeout.Token);
            int exitCode = await process.WaitForExitAsync(timeout.Token);

            Assert.Equal(1, tokenWasLive);
            Assert.Equal(17, exitCode);
            Assert.Equal(17, process.ExitCode);
            Assert.True(process.HasExited);
            Assert.NotEqual(Environment.ProcessId, process.Id);
            Assert.Null(process.Failure);
        }
    }

    [Fact]
    public async Task ExceptionInTheEntryReachesTheParentWithTypeAndMessage()
    {
        var (parent, child) = IEcho.CreatePipe(new ChannelOptions { UseSharedMemory = sharedMemory });
        await using (parent)
        {
            await using var process = await ChildProcess.StartAsync(child, EchoEntries.Throw, "the answer is not 42", TestChildren.Options(redirectStandardError: true));
            using var timeout = new CancellationTokenSource(Patience);

            int exitCode = await process.WaitForExitAsync(timeout.Token);

            Assert.NotEqual(0, exitCode);
            RemoteException failure = Assert.IsType<RemoteException>(process.Failure);
            Assert.Equal(typeof(InvalidDataException).FullName, failure.RemoteType);
            Assert.Equal("the answer is not 42", failure.RemoteMessage);
            Assert.Contains(nameof(EchoEntries.Throw), failure.RemoteStackTrace);
        }
    }

    [Fact]
    public async Task WhatTheOpenerWroteBeforeTheChildStartedReachesItFirstAndInOrder()
    {
        var (parent, child) = IEcho.CreatePipe(new ChannelOptions { LaneWindowMessages = 32 });
        await using (parent)
        {
            // The peer end is untouched: the whole window is writable at once, and then no more.
            for (int i = 0; i < 32; i++)
                Assert.True(parent.Numbers.TryWrite(i), $"early write {i} should fit in the window of 32");
            Assert.False(parent.Numbers.TryWrite(32));

            await using var process = await ChildProcess.StartAsync(child, EchoEntries.Echo, TestChildren.Options());
            using var timeout = new CancellationTokenSource(Patience);
            for (int i = 32; i < 100; i++)
                await parent.Numbers.WriteAsync(i, timeout.Token);
            parent.Numbers.Complete();
            long expected = 0;
            await foreach (long answer in parent.Answers.ReadAllAsync(timeout.Token))
                Assert.Equal(expected++, answer);
            Assert.Equal(100, expected);
            Assert.Equal(0, await process.WaitForExitAsync(timeout.Token));
        }
    }

    [Fact]
    public async Task KillingTheChildMidStreamEndsTheParentsReadWithPeerLostAndTheExitCode()
    {
        var (parent, child) = IEcho.CreatePipe(new ChannelOptions { UseSharedMemory = sharedMemory });
        await using (parent)
        {
            await using var process = await ChildProcess.StartAsync(child, EchoEntries.Echo, TestChildren.Options());
            using var timeout = new CancellationTokenSource(Patience);
            await parent.Numbers.WriteAsync(1, timeout.Token);
            Assert.Equal(1, await parent.Answers.ReadAsync(timeout.Token));

            ValueTask<long> pending = parent.Answers.ReadAsync(timeout.Token);
            process.Kill();

            var lost = await Assert.ThrowsAsync<PeerLostException>(async () => await pending);
            Assert.Equal(137, lost.ExitCode); // 128 + SIGKILL
            Assert.Equal(137, await process.WaitForExitAsync(timeout.Token));
        }
    }

    [Fact]
    public async Task EightChildrenEchoAHundredThousandMessagesEachAndLeaveNoFiles()
    {
        const int Children = 8;
        const int Messages = 100_000;
        HashSet<string> before = TestChildren.EndpointFiles();
        var tasks = new Task<long>[Children];
        for (int c = 0; c < Children; c++)
            tasks[c] = EchoThroughChildAsync(c, Messages);

        long[] sums = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromMinutes(3));

        for (int c = 0; c < Children; c++)
            Assert.Equal(ExpectedSum(c, Messages), sums[c]);
        HashSet<string> after = TestChildren.EndpointFiles();
        after.ExceptWith(before);
        Assert.Empty(after);
    }

    [Fact]
    public async Task DisposingTheHandleStopsARunningChildThroughItsCancellationToken()
    {
        var (parent, child) = IEcho.CreatePipe(new ChannelOptions { UseSharedMemory = sharedMemory });
        await using (parent)
        {
            ChildProcess process = await ChildProcess.StartAsync(child, EchoEntries.Echo, TestChildren.Options());
            using var timeout = new CancellationTokenSource(Patience);
            await parent.Numbers.WriteAsync(5, timeout.Token);
            Assert.Equal(5, await parent.Answers.ReadAsync(timeout.Token));

            await process.DisposeAsync(); // the child waits for more numbers; its token tells it to stop

            Assert.True(process.HasExited);
            Assert.Equal(3, process.ExitCode); // stopped on its token: not killed (137), not failed (1)
            Assert.Null(process.Failure);
        }
    }

    [Fact]
    public async Task ALambdaIsNotAChildEntry()
    {
        var (parent, child) = IEcho.CreatePipe(new ChannelOptions { UseSharedMemory = sharedMemory });
        await using (parent)
        await using (child)
        {
            // CHN022 reports this at compile time; the run-time check behind it is what this test is about.
#pragma warning disable CHN022
            var error = await Assert.ThrowsAsync<ArgumentException>(() => ChildProcess.StartAsync(child, (IEcho.Peer p, CancellationToken ct) => Task.CompletedTask));
#pragma warning restore CHN022
            Assert.Contains("[ChildEntry]", error.Message);
        }
    }

    [Fact]
    public async Task ThePeerEndCannotBeHandedToTwoChildren()
    {
        var (parent, child) = IEcho.CreatePipe(new ChannelOptions { UseSharedMemory = sharedMemory });
        await using (parent)
        {
            await using var process = await ChildProcess.StartAsync(child, EchoEntries.Echo, TestChildren.Options());
            await Assert.ThrowsAsync<InvalidOperationException>(() => ChildProcess.StartAsync(child, EchoEntries.Echo, TestChildren.Options()));
            parent.Numbers.Complete();
            Assert.Equal(0, await process.WaitForExitAsync().WaitAsync(Patience));
        }
    }

    private async Task<long> EchoThroughChildAsync(int child, int messages)
    {
        var (parent, peer) = IEcho.CreatePipe(new ChannelOptions { UseSharedMemory = sharedMemory });
        await using (parent)
        {
            await using var process = await ChildProcess.StartAsync(peer, EchoEntries.Echo, TestChildren.Options());
            Task writer = Task.Run(async () =>
            {
                for (long i = 0; i < messages; i++)
                    await parent.Numbers.WriteAsync(Value(child, i));
                parent.Numbers.Complete();
            });
            long sum = 0;
            long expectedNext = 0;
            await foreach (long answer in parent.Answers.ReadAllAsync())
            {
                Assert.Equal(Value(child, expectedNext++), answer); // in order
                sum += answer;
            }
            await writer;
            Assert.Equal(0, await process.WaitForExitAsync());
            Assert.Equal(messages, expectedNext);
            return sum;
        }
    }

    private static long Value(int child, long i) => child * 1_000_000_007L + i * 31;

    private static long ExpectedSum(int child, int messages)
    {
        long sum = 0;
        for (long i = 0; i < messages; i++)
            sum += Value(child, i);
        return sum;
    }
}

/// <summary>The suite with the parent's links kept on the Unix socket.</summary>
[Collection(nameof(ProcessTestsCollection))]
public sealed class ChildProcessTestsOverSocket() : ChildProcessTests(sharedMemory: false);

/// <summary>The suite with the parent's links in shared memory.</summary>
[Collection(nameof(ProcessTestsCollection))]
public sealed class ChildProcessTestsOverSharedMemory() : ChildProcessTests(sharedMemory: true);
