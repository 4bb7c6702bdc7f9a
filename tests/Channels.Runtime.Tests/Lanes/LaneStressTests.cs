using System.Threading.Channels;
using Channels.TestChild.Contracts;
using Channels.TestChild.Scenarios;
using Xunit;

namespace Channels.Runtime.Tests.Lanes;

/// <summary>
/// Lane stress in one process (issue 9, acceptance 2), on a pipe whose ends are both here: 10M messages from 4
/// writers to 1 reader and from 1 writer to 4 readers, each exactly once and in order per writer; Complete racing
/// with writes; cancellation racing with wake-ups; 1M single messages each read by a reader that parked for it.
/// The timeouts only turn a hang into a failure; nothing here is timed.
/// </summary>
[Collection(nameof(LaneStressCollection))]
public sealed class LaneStressTests
{
    private static readonly TimeSpan Hang = TimeSpan.FromMinutes(4);

    [Fact]
    public Task FourWritersOneReaderTenMillionEachOnceInOrderPerWriter()
        => WriteThenReadAsync(null, writers: 4, perWriter: 2_500_000, numbers => LaneStress.ReadOneReaderAsync(numbers, 4, 2_500_000));

    [Fact]
    public Task OneWriterFourReadersTenMillionEachOnceInOrder()
        => WriteThenReadAsync(null, writers: 1, perWriter: 10_000_000, numbers => LaneStress.ReadManyReadersAsync(numbers, 4, 10_000_000));

    // A thread that reads a lane owns it and reads without the consumer lock; here owners are revoked while they read,
    // the lane is shared and owned again, and the ring grows under them (its window is wide): a reader that read
    // without excluding the others would read a message twice or skip one.
    [Fact]
    public Task ReadersThatHandTheLaneAroundInRandomRunsGetEachMessageOnce()
        => WriteThenReadAsync(new ChannelOptions { LaneWindowMessages = 1 << 16 }, writers: 1, perWriter: 4_000_000,
            numbers => LaneStress.ReadInRunsAsync(numbers, 3, 4_000_000));

    // Over an in-process pipe: the writers write, then complete the lane, while read checks what arrives (null when
    // every message came as it must).
    private static async Task WriteThenReadAsync(ChannelOptions? options, int writers, long perWriter, Func<ChannelReader<long>, Task<string?>> read)
    {
        var (opener, peer) = ISimple.CreatePipe(options);
        await using var _ = opener;
        await using var __ = peer;

        Task<string?> reading = Task.Run(() => read(peer.Numbers));
        await LaneStress.WriteAsync(opener.Numbers, writers, perWriter).WaitAsync(Hang);
        opener.Numbers.Complete();
        Assert.Null(await reading.WaitAsync(Hang));
    }

    [Fact]
    public async Task CompleteRacingWithWritesLosesNothingThatWasAccepted()
    {
        for (int round = 0; round < 200; round++)
        {
            var (opener, peer) = ISimple.CreatePipe(new ChannelOptions { LaneWindowMessages = 64 });
            await using var _ = opener;
            await using var __ = peer;
            long accepted = 0;
            Task writer = Task.Run(async () =>
            {
                try
                {
                    for (long i = 0; ; i++)
                    {
                        if (!opener.Numbers.TryWrite(i))
                            await opener.Numbers.WriteAsync(i);
                        accepted = i + 1;
                    }
                }
                catch (ChannelClosedException)
                {
                    // Completed under our feet: what was accepted before must all arrive.
                }
            });
            Task<long> reader = Task.Run(async () =>
            {
                long expected = 0;
                await foreach (long n in peer.Numbers.ReadAllAsync())
                {
                    Assert.Equal(expected, n);
                    expected++;
                }
                return expected;
            });
            Thread.SpinWait(Random.Shared.Next(1, 200_000));
            opener.Numbers.Complete();
            await writer.WaitAsync(Hang);
            Assert.Equal(Volatile.Read(ref accepted), await reader.WaitAsync(Hang));
        }
    }

    [Fact]
    public async Task CancellationRacingWithWakeUpsLosesAndDuplicatesNothing()
    {
        var (opener, peer) = ISimple.CreatePipe(new ChannelOptions { LaneWindowMessages = 16 });
        await using var _ = opener;
        await using var __ = peer;
        const long count = 200_000;

        Task writer = Task.Run(async () =>
        {
            for (long i = 0; i < count; i++)
                await opener.Numbers.WriteAsync(i);
        });
        long expected = 0;
        long cancelled = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (expected < count)
        {
            Assert.True(clock.Elapsed < Hang, $"stuck at message {expected}");
            using var cts = new CancellationTokenSource();
            ValueTask<long> read = peer.Numbers.ReadAsync(cts.Token);
            // Cancel while the writer may be publishing and waking this very read.
            if ((expected & 1) == 0)
                cts.Cancel();
            try
            {
                Assert.Equal(expected, await read);
                expected++;
            }
            catch (OperationCanceledException)
            {
                cancelled++;
            }
        }
        await writer.WaitAsync(Hang);
        opener.Numbers.Complete();
        Assert.False(await peer.Numbers.WaitToReadAsync().AsTask().WaitAsync(Hang));
        Assert.True(cancelled > 0, "no read was cancelled: the race was not exercised");
    }

    [Fact]
    public async Task AReaderOnOneThreadThatLagsWhileTheRingGrowsPeeksAndReadsEveryMessageOnceInOrder()
    {
        // One thread reads in bursts, pausing so that the writer fills the ring and the ring grows while it reads, and
        // peeks before each burst: what it peeks is what it reads next. A new pipe per round: its ring starts small.
        var random = new Random(31);
        for (int round = 0; round < 40; round++)
        {
            var (opener, peer) = ISimple.CreatePipe(new ChannelOptions { LaneWindowMessages = 1 << 16 });
            await using var _ = opener;
            await using var __ = peer;
            const long count = 200_000;

            Task writer = Task.Run(async () =>
            {
                for (long i = 0; i < count; i++)
                {
                    if (!opener.Numbers.TryWrite(i))
                        await opener.Numbers.WriteAsync(i);
                }
                opener.Numbers.Complete();
            });
            string? problem = null;
            int seed = random.Next();
            var reader = new Thread(() => problem = ReadInBursts(peer.Numbers, count, new Random(seed)));
            reader.Start();
            await writer.WaitAsync(Hang);
            Assert.True(reader.Join(Hang), "the reader hung");
            Assert.Null(problem);
            Assert.False(await peer.Numbers.WaitToReadAsync().AsTask().WaitAsync(Hang));
        }
    }

    // Reads count numbers in bursts of random length with pauses, peeking before each burst; null when each came once
    // and in order, else what went wrong.
    private static string? ReadInBursts(ChannelReader<long> numbers, long count, Random random)
    {
        long expected = 0;
        while (expected < count)
        {
            if (numbers.TryPeek(out long peeked) && peeked != expected)
                return $"peeked {peeked} where {expected} was next";
            for (int burst = random.Next(1, 20_000); burst > 0 && numbers.TryRead(out long n); burst--)
            {
                if (n != expected++)
                    return $"read {n} where {expected - 1} was next";
            }
            if (random.Next(4) == 0)
                Thread.SpinWait(random.Next(1, 50_000));
            else if (!numbers.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                break;
        }
        return expected == count ? null : $"{expected} of {count} read";
    }

    [Fact]
    public async Task AMillionSingleMessagesEachWakeAParkedReader()
    {
        var (opener, peer) = ISimple.CreatePipe();
        await using var _ = opener;
        await using var __ = peer;
        const int count = 1_000_000;

        Task echo = Task.Run(async () =>
        {
            for (int i = 0; i < count; i++)
                await peer.Echoes.WriteAsync(await peer.Numbers.ReadAsync());
        });
        for (int i = 0; i < count; i++)
        {
            await opener.Numbers.WriteAsync(i);
            // The echo proves the reader had it; it then parks again before the next one is written.
            Assert.Equal(i, await opener.Echoes.ReadAsync().AsTask().WaitAsync(Hang));
        }
        await echo.WaitAsync(Hang);
    }
}

/// <summary>The stress tests run alone: they load both cores.</summary>
[CollectionDefinition(nameof(LaneStressCollection), DisableParallelization = true)]
public sealed class LaneStressCollection
{
}
