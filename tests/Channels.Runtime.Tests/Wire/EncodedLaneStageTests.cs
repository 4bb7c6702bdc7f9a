using Channels.Lanes;
using Channels.Runtime.Tests.Infrastructure;
using Channels.Wire;
using Xunit;

namespace Channels.Runtime.Tests.Wire;

/// <summary>
/// An encoded lane's stage (<see cref="LaneStage.ForEncoded"/>): entries of every size its owner appends without the
/// send lock, also those that wrap at the ring's end, leave through the outbox whole, in order and in frames the other
/// side accepts, and a full stage takes nothing more until they are taken.
/// </summary>
public sealed class EncodedLaneStageTests
{
    [Theory]
    [InlineData(1 << 20, 100_000, 300, false)]
    [InlineData(1 << 20, 5_000, LaneStage.MaxEncodedMessage, false)] // sizes up to the largest staged: many wraps
    [InlineData(64, 20_000, 57, false)] // a frame holds one or a few entries: every gathered run is cut at the frame limit
    // Encoded straight into the stage under a bound above the real size (a direct codec's), some given up first.
    [InlineData(1 << 20, 100_000, 300, true)]
    [InlineData(1 << 20, 5_000, LaneStage.MaxEncodedMessage, true)]
    [InlineData(64, 20_000, 57, true)]
    public async Task Entries_of_every_size_leave_whole_and_in_order_across_wraps(int maxFrameSize, int count, int largest, bool bounded)
    {
        var sendLock = new Lock();
        var outbox = new FrameOutbox(sendLock, ex => throw new InvalidOperationException("send failed", ex));
        var capture = new CapturingTransport();
        outbox.Start(capture, maxFrameSize);
        LaneStage stage;
        lock (sendLock)
        {
            stage = outbox.AddEncodedStage(3)!;
            stage.Revoke(ThreadTicket.Current);
        }
        Assert.Equal(Math.Min(LaneStage.MaxEncodedMessage, maxFrameSize - FrameLayout.LengthOverhead - FrameLayout.BatchEntryPrefixSize), stage.MaxMessage);
        Assert.InRange(largest, 0, stage.MaxMessage);

        // As a lane's writer does; the loop takes whatever it finds meanwhile.
        var random = new Random(1234);
        var sent = new List<byte[]>(count);
        for (int i = 0; i < count; i++)
        {
            byte[] message = Message(random, i, largest);
            sent.Add(message);
            if (!bounded)
            {
                LaneStageTests.AppendAsAWriterDoes(outbox, sendLock, stage, () => stage.HasRoomFor(message.Length), () => stage.AppendEncoded(message));
                continue;
            }
            int bound = Math.Min(stage.MaxMessage, message.Length + random.Next(0, 200));
            bool abandon = i % 7 == 3;
            LaneStageTests.AppendAsAWriterDoes(outbox, sendLock, stage, () => stage.HasRoomFor(bound), () =>
            {
                if (abandon)
                {
                    // An encoding that throws halfway: garbage written, nothing published, the next entry as if it never was.
                    stage.BeginEncoded(bound).Fill(0xEE);
                    stage.AbandonEncoded();
                }
                message.CopyTo(stage.BeginEncoded(bound));
                stage.EndEncoded(message.Length);
            });
        }
        outbox.Shutdown();
        await outbox.Loop!.WaitAsync(TimeSpan.FromSeconds(10));

        List<(ushort Lane, byte[] Entry)> received = RawEntryTests.Parse(capture.Bytes, maxFrameSize);
        Assert.Equal(count, received.Count);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(3, received[i].Lane);
            Assert.True(sent[i].AsSpan().SequenceEqual(received[i].Entry), $"message {i} ({sent[i].Length} bytes) came out as {received[i].Entry.Length} other bytes");
        }
        Assert.Equal(0, stage.Unsent);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)] // fewer bytes than a length prefix left at the ring's end: skipped without a marker
    [InlineData(4)]
    [InlineData(5)]
    public void An_entry_that_does_not_fit_before_the_end_starts_at_the_beginning_and_counts_the_skipped_bytes(int leftAtEnd)
    {
        var stage = LaneStage.ForEncoded(0, LaneStage.MaxEncodedMessage);
        ThreadTicket me = ThreadTicket.Current;
        stage.Revoke(me);
        int capacity = stage.Capacity;
        Assert.Equal(128 * 1024, capacity);
        // Fill the ring up to leftAtEnd bytes before its end with entries of 4,000 bytes and one to make up the rest.
        var appended = new List<byte[]>();
        int filled = 0;
        while (capacity - leftAtEnd - filled > 0)
        {
            // 32 entries of 4,004 bytes, then one of 3,200 - leftAtEnd.
            int entry = Math.Min(4_004, capacity - leftAtEnd - filled);
            byte[] message = new byte[entry - FrameLayout.BatchEntryPrefixSize];
            Array.Fill(message, (byte)appended.Count);
            Assert.True(stage.TryEnter(me));
            Assert.True(stage.HasRoomFor(message.Length));
            stage.AppendEncoded(message);
            LaneStage.Exit(me);
            appended.Add(message);
            filled += entry;
        }
        Assert.Equal(capacity - leftAtEnd, stage.Unsent);
        // Full but for the end: nothing of 8 bytes fits, even there.
        Assert.True(stage.TryEnter(me));
        Assert.False(stage.HasRoomFor(8));
        LaneStage.Exit(me);

        // Taking the first entry frees its room at the beginning: the next entry skips the end and goes there.
        ReadOnlySpan<byte> first = stage.Peek(1);
        Assert.Equal(4_004, first.Length);
        stage.Consume(first.Length);
        byte[] wrapped = new byte[100];
        Array.Fill(wrapped, (byte)0xEE);
        Assert.True(stage.TryEnter(me));
        Assert.True(stage.HasRoomFor(wrapped.Length));
        stage.AppendEncoded(wrapped);
        LaneStage.Exit(me);
        Assert.Equal(capacity - leftAtEnd - 4_004 + leftAtEnd + 104, stage.Unsent);

        // The rest comes out as it went in, then the wrapped entry, then nothing.
        var taken = new List<byte[]>();
        while (stage.Peek(64 * 1024) is { IsEmpty: false } run)
        {
            var entries = new BatchReader(run);
            while (entries.TryNext(out int start, out int size))
                taken.Add(run.Slice(start, size).ToArray());
            stage.Consume(run.Length);
        }
        Assert.Equal(appended.Count, taken.Count);
        for (int i = 1; i < appended.Count; i++)
            Assert.True(appended[i].AsSpan().SequenceEqual(taken[i - 1]), $"entry {i}");
        Assert.True(wrapped.AsSpan().SequenceEqual(taken[^1]));
        Assert.Equal(0, stage.Unsent);
    }

    [Fact]
    public void A_stage_for_small_frames_takes_only_messages_that_fit_one()
    {
        var sendLock = new Lock();
        var outbox = new FrameOutbox(sendLock, ex => throw new InvalidOperationException("send failed", ex));
        // At most 100 bytes after the length field: lane and kind 3, prefix 4, so 93 bytes of message at most.
        outbox.Start(new CapturingTransport(), 100);
        lock (sendLock)
            Assert.Equal(93, outbox.AddEncodedStage(0)!.MaxMessage);
        outbox.Shutdown();
    }

    // Message i: its index in the first bytes, then a size between 0 and largest, the rest a pattern of both.
    private static byte[] Message(Random random, int index, int largest)
    {
        int size = random.Next(4) == 0 ? random.Next(largest + 1) : random.Next(Math.Min(largest, 40) + 1);
        byte[] message = new byte[size];
        for (int j = 0; j < size; j++)
            message[j] = (byte)(index * 31 + j);
        return message;
    }
}
