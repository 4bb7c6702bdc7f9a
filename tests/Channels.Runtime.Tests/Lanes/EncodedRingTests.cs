using System.Collections.Concurrent;
using Channels.Lanes;
using Xunit;

namespace Channels.Runtime.Tests.Lanes;

/// <summary>
/// The byte ring in which a lane keeps received encodings until its reader decodes them: every entry comes back as it
/// went in, also when it wraps around the end of the ring, when the ring grows under live entries, and with a producer
/// and a consumer on two threads; at its limit it refuses an entry and loses nothing.
/// </summary>
public sealed class EncodedRingTests
{
    // Entry number's bytes: they differ per entry and per position, so a shifted, stale or torn byte shows.
    private static byte[] Entry(int number, int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
            bytes[i] = (byte)(number * 13 + i * 7 + (i >> 8));
        return bytes;
    }

    private static void AssertNext(EncodedRing ring, int number, int length)
    {
        Assert.True(Entry(number, length).AsSpan().SequenceEqual(ring.Peek(length)), $"entry {number} of {length} bytes came back changed");
        ring.Release(length);
    }

    [Fact]
    public void EntriesThatWrapAroundTheEndComeBackWhole()
    {
        // 4 KiB, never grown: entries of 1,000 bytes straddle its end every few entries.
        var ring = new EncodedRing(limit: 4096);
        for (int number = 0; number < 100; number++)
        {
            Assert.True(ring.TryAppend(Entry(number, 1000)));
            Assert.True(ring.TryAppend(Entry(number + 1000, 1000)));
            AssertNext(ring, number, 1000);
            AssertNext(ring, number + 1000, 1000);
        }
        Assert.Equal(0, ring.Count);
    }

    [Fact]
    public void TheRingGrowsUnderLiveEntriesAndKeepsEveryOne()
    {
        var ring = new EncodedRing(limit: 1 << 20);
        // Live entries whose oldest has moved and whose newest wrap when the ring doubles, several times over.
        for (int number = 0; number < 5; number++)
            Assert.True(ring.TryAppend(Entry(number, 700)));
        AssertNext(ring, 0, 700);
        AssertNext(ring, 1, 700);
        int appended = 5;
        for (; appended < 1200; appended++)
            Assert.True(ring.TryAppend(Entry(appended, 1 + appended % 777)));
        AssertNext(ring, 2, 700);
        AssertNext(ring, 3, 700);
        AssertNext(ring, 4, 700);
        for (int number = 5; number < appended; number++)
            AssertNext(ring, number, 1 + number % 777);
        Assert.Equal(0, ring.Count);
    }

    [Fact]
    public void AtItsLimitTheRingRefusesAnEntryAndLosesNothing()
    {
        var ring = new EncodedRing(limit: 8192);
        for (int number = 0; number < 8; number++)
            Assert.True(ring.TryAppend(Entry(number, 1000)));
        Assert.False(ring.TryAppend(Entry(8, 1000)), "an entry past the limit was taken");
        Assert.Equal(8000, ring.Count);
        AssertNext(ring, 0, 1000);
        Assert.True(ring.TryAppend(Entry(8, 1000)), "freed room was not reused");
        for (int number = 1; number <= 8; number++)
            AssertNext(ring, number, 1000);
        Assert.Equal(0, ring.Count);
    }

    [Fact]
    public void AnEmptyEncodingIsAnEntryLikeAnyOther()
    {
        var ring = new EncodedRing(limit: 4096);
        Assert.True(ring.TryAppend([]));
        Assert.True(ring.TryAppend(Entry(1, 10)));
        Assert.True(ring.Peek(0).IsEmpty);
        ring.Release(0);
        AssertNext(ring, 1, 10);
    }

    [Fact]
    public async Task AProducerAndAConsumerOnTwoThreadsAgreeOnEveryByte()
    {
        // The lane hands lengths over through its slot ring; a queue stands in for it here. The limit keeps the
        // producer waiting for the consumer now and then, so both the full ring and the growing one are crossed.
        const int Entries = 200_000;
        var ring = new EncodedRing(limit: 64 * 1024);
        var lengths = new ConcurrentQueue<int>();
        Task producer = Task.Run(() =>
        {
            var random = new Random(11);
            for (int number = 0; number < Entries; number++)
            {
                byte[] entry = Entry(number, random.Next(0, 3000));
                var spin = new SpinWait();
                while (!ring.TryAppend(entry))
                    spin.SpinOnce();
                lengths.Enqueue(entry.Length);
            }
        });
        Task consumer = Task.Run(() =>
        {
            for (int number = 0; number < Entries; number++)
            {
                int length;
                var spin = new SpinWait();
                while (!lengths.TryDequeue(out length))
                    spin.SpinOnce();
                if (!Entry(number, length).AsSpan().SequenceEqual(ring.Peek(length)))
                    throw new InvalidOperationException($"entry {number} of {length} bytes came back changed");
                ring.Release(length);
            }
        });
        await Task.WhenAll(producer, consumer).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, ring.Count);
    }
}
