using System.Threading.Channels;
using Channels.Runtime.Tests.Processes;
using Channels.TestChild.Calls;
using Xunit;

namespace Channels.Runtime.Tests.Calls;

[Collection(nameof(ProcessTestsCollection))]
public sealed class CallTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AThousandConcurrentCallsAnsweredInRandomOrderEachGetTheirOwnAnswerAcrossProcesses()
    {
        const int Calls = 1000;
        var (caller, callee) = ICalls.CreatePipe();
        await using (caller)
        {
            await using var process = await ChildProcess.StartAsync(callee, CallEntries.Serve, Calls, TestChildren.Options());
            using var timeout = new CancellationTokenSource(Patience);

            var calls = new Task<long>[Calls];
            for (int i = 0; i < Calls; i++)
                calls[i] = caller.Square.CallAsync(i, timeout.Token);
            long[] answers = await Task.WhenAll(calls);

            for (int i = 0; i < Calls; i++)
                Assert.Equal((long)i * i, answers[i]);
            Assert.Equal(0, caller.Square.PendingCount);
        }
    }

    [Fact]
    public async Task ACallersContinuationThatBlocksOnAnotherCallOfTheSameLinkGetsItsAnswerAcrossProcesses()
    {
        var (caller, callee) = ICalls.CreatePipe();
        await using (caller)
        {
            await using var process = await ChildProcess.StartAsync(callee, CallEntries.Serve, 1, TestChildren.Options());
            using var timeout = new CancellationTokenSource(Patience);
            // Calls in quick succession: the link receives on a thread of its own, and an answer's continuation runs there.
            for (int i = 0; i < 20; i++)
                Assert.Equal((long)i * i, await caller.Square.CallAsync(i, timeout.Token));

            long sum = await Task.Run(async () =>
            {
                long first = await caller.Square.CallAsync(3, timeout.Token);
                // Blocks the thread the continuation runs on until an answer that only this link can bring arrives.
                return first + caller.Square.CallAsync(4, timeout.Token).GetAwaiter().GetResult();
            }).WaitAsync(Patience);

            Assert.Equal(9 + 16, sum);
        }
    }

    [Fact]
    public async Task CancellingACallCancelsTheCalleesTokenAndTheCallerGetsOperationCanceledAcrossProcesses()
    {
        var (caller, callee) = ICalls.CreatePipe();
        await using (caller)
        {
            await using var process = await ChildProcess.StartAsync(callee, CallEntries.Serve, 1, TestChildren.Options());
            using var timeout = new CancellationTokenSource(Patience);
            Assert.Equal(49, await caller.Square.CallAsync(7, timeout.Token)); // the callee is up

            using var cancel = new CancellationTokenSource();
            Task<int> waiting = caller.Wait.CallAsync(42, cancel.Token);
            await Task.Delay(200, timeout.Token);
            Assert.False(waiting.IsCompleted);
            cancel.Cancel();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
            Assert.Equal(42, await caller.Cancelled.ReadAsync(timeout.Token));
            Assert.Equal(0, caller.Wait.PendingCount);
        }
    }

    [Fact]
    public async Task AnExceptionInTheCalleeFailsOnlyItsCallWithRemoteExceptionTypeAndMessage()
    {
        var (caller, callee) = ICalls.CreatePipe();
        await using (caller)
        {
            await using var process = await ChildProcess.StartAsync(callee, CallEntries.Serve, 1, TestChildren.Options());
            using var timeout = new CancellationTokenSource(Patience);

            var failure = await Assert.ThrowsAsync<RemoteException>(() => caller.Fail.CallAsync("no such quote", timeout.Token));

            Assert.Equal(typeof(InvalidDataException).FullName, failure.RemoteType);
            Assert.Equal("no such quote", failure.RemoteMessage);
            Assert.Contains(nameof(CallEntries), failure.RemoteStackTrace);
            Assert.Equal(9, await caller.Square.CallAsync(3, timeout.Token)); // the lane goes on
        }
    }

    [Fact]
    public async Task KillingTheCalleeFailsPendingCallsWithPeerLost()
    {
        var (caller, callee) = ICalls.CreatePipe();
        await using (caller)
        {
            await using var process = await ChildProcess.StartAsync(callee, CallEntries.Serve, 1, TestChildren.Options());
            using var timeout = new CancellationTokenSource(Patience);
            Assert.Equal(4, await caller.Square.CallAsync(2, timeout.Token));
            Task<int> pending = caller.Wait.CallAsync(1, timeout.Token);

            process.Kill();

            var lost = await Assert.ThrowsAsync<PeerLostException>(() => pending);
            Assert.Equal(137, lost.ExitCode);
            await Assert.ThrowsAnyAsync<Exception>(() => caller.Square.CallAsync(3, timeout.Token));
        }
    }

    [Fact]
    public async Task CallsWorkInProcessAndACompletedCallLaneEndsTheServer()
    {
        var (caller, callee) = ICalls.CreatePipe();
        await using (caller)
        await using (callee)
        {
            using var timeout = new CancellationTokenSource(Patience);
            Task serving = callee.Square.ServeAsync(static (x, _) => new ValueTask<long>(x + 1L), cancellationToken: timeout.Token);

            var answers = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => caller.Square.CallAsync(i, timeout.Token)));
            caller.Square.Complete();
            await serving.WaitAsync(timeout.Token);

            Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), answers);
        }
    }

    [Fact]
    public async Task DisposingTheCallerFailsItsPendingCallsAndLaterCalls()
    {
        var (caller, callee) = ICalls.CreatePipe();
        await using (callee)
        {
            using var timeout = new CancellationTokenSource(Patience);
            _ = callee.Square.ReadAllAsync(timeout.Token).GetAsyncEnumerator().MoveNextAsync(); // joins the pipe in process, never answers
            Task<long> pending = caller.Square.CallAsync(1, timeout.Token);

            await caller.DisposeAsync();

            await Assert.ThrowsAsync<ChannelClosedException>(() => pending);
            await Assert.ThrowsAsync<ChannelClosedException>(() => caller.Square.CallAsync(2, timeout.Token));
        }
    }
}
