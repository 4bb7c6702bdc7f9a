using System.Diagnostics;
using Xunit;

namespace Channels.Runtime.Tests.Pool;

public sealed class PrefetchWindowTests
{
    [Fact]
    public async Task AFixedWindowHoldsTheFeederAtItsSizeAndOpensOnEachAnswer()
    {
        var window = new PrefetchWindow(3);
        long[] sent = new long[3];
        for (int i = 0; i < 3; i++)
        {
            Assert.True(window.WaitForRoomAsync(CancellationToken.None).IsCompletedSuccessfully);
            sent[i] = window.Sent();
        }

        Task waiting = window.WaitForRoomAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        window.Answered(sent[0]);
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, window.Limit);
    }

    [Fact]
    public void AnAutomaticWindowGrowsForInstantAnswersAndShrinksToTwoForLongChunks()
    {
        var window = new PrefetchWindow(null);
        for (int i = 0; i < 64; i++)
            window.Answered(window.Sent());
        Assert.Equal(PrefetchWindow.AutomaticMaximum, window.Limit);

        for (int i = 0; i < 64; i++)
        {
            window.Sent();
            window.Answered(Stopwatch.GetTimestamp() - Stopwatch.Frequency / 200); // answered 5 ms after it was sent
            Thread.Sleep(1); // and the previous answer was earlier still, so the sample is the chunk's own time
        }
        Assert.Equal(PrefetchWindow.AutomaticMinimum, window.Limit);
    }

    [Fact]
    public void ChunksCountAsTinyOnlyOnceAnswersShowThemUnder50MicrosecondsAndRoomCountsEveryChunkOfABundle()
    {
        var warm = new PrefetchWindow(8); // compiled before anything is timed
        warm.Answered(warm.Sent());
        var window = new PrefetchWindow(8);
        Assert.False(window.ChunksAreTiny); // nothing answered yet: no bundles on a guess
        Assert.Equal(8, window.Room);

        window.Sent(5);
        Assert.Equal(3, window.Room);
        for (int i = 0; i < 5; i++)
            window.Answered(Stopwatch.GetTimestamp()); // answered as soon as sent
        for (int i = 0; i < 64; i++)
        {
            window.Sent();
            window.Answered(Stopwatch.GetTimestamp()); // enough instant answers to outweigh a preemption on a busy machine
        }
        Assert.True(window.ChunksAreTiny);
        Assert.Equal(8, window.Room);

        for (int i = 0; i < 64; i++)
        {
            window.Sent();
            window.Answered(Stopwatch.GetTimestamp() - Stopwatch.Frequency / 200); // 5 ms a chunk
            Thread.Sleep(1);
        }
        Assert.False(window.ChunksAreTiny);
        Assert.Equal(8, window.Limit); // a fixed window measures, but keeps its size
    }

    [Fact]
    public async Task IdleCompletesOnlyWhenEveryChunkSentIsAnswered()
    {
        var window = new PrefetchWindow(null);
        long first = window.Sent(), second = window.Sent();

        Task idle = window.WhenIdleAsync();
        window.Answered(first);
        Assert.False(idle.IsCompleted);
        window.Answered(second);

        await idle.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(window.WhenIdleAsync().IsCompletedSuccessfully);
    }

    [Fact]
    public async Task AWaitForRoomEndsWithTheFeedersCancellation()
    {
        var window = new PrefetchWindow(1);
        window.Sent();
        using var cancel = new CancellationTokenSource();

        Task waiting = window.WaitForRoomAsync(cancel.Token);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }
}
