using System.Runtime.InteropServices;
using Channels.Lanes;
using Channels.Runtime.Tests.Infrastructure;
using Channels.Wire;
using Xunit;

namespace Channels.Runtime.Tests.Wire;

/// <summary>
/// A raw lane's stage (<see cref="LaneStage"/>): what its owner appends without the send lock leaves through the
/// outbox as the same Batch entries, in order, in frames the other side accepts; a revoked owner appends nothing more.
/// </summary>
public sealed class LaneStageTests
{
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Sample(long A, int B, int C);

    private static readonly int EntrySize = FrameLayout.BatchEntryPrefixSize + Marshal.SizeOf<Sample>();

    [Theory]
    [InlineData(1 << 20, 200_000)]
    [InlineData(64, 20_000)] // a frame holds two entries: every gathered run is cut at the frame limit
    public async Task Staged_entries_leave_in_order_as_batches_within_the_frame_limit(int maxFrameSize, int count)
    {
        var sendLock = new Lock();
        var outbox = new FrameOutbox(sendLock, ex => throw new InvalidOperationException("send failed", ex));
        var capture = new CapturingTransport();
        outbox.Start(capture, maxFrameSize);
        LaneStage stage;
        lock (sendLock)
        {
            stage = outbox.AddStage(2, Marshal.SizeOf<Sample>())!;
            stage.Revoke(ThreadTicket.Current);
        }

        // As a lane's writer does: append while there is room, let the send lock holder take the entries otherwise,
        // wake a sleeping loop, send a full stage itself; the loop takes whatever it finds meanwhile.
        for (int i = 0; i < count; i++)
        {
            var value = new Sample(i * 1_000_003L, -i, i & 0x7fff);
            AppendAsAWriterDoes(outbox, sendLock, stage, stage.HasRoom, () => stage.Append(in value));
        }
        outbox.Shutdown();
        await outbox.Loop!.WaitAsync(TimeSpan.FromSeconds(10));

        List<(ushort Lane, byte[] Entry)> messages = RawEntryTests.Parse(capture.Bytes, maxFrameSize);
        Assert.Equal(count, messages.Count);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(2, messages[i].Lane);
            Assert.Equal(new Sample(i * 1_000_003L, -i, i & 0x7fff), MemoryMarshal.Read<Sample>(messages[i].Entry));
        }
        Assert.Equal(0, stage.Unsent);
    }

    /// <summary>
    /// Appends one entry as a lane's owner does: while the stage has no room, lets the send lock's holder take its
    /// entries; then appends, and wakes a sleeping loop or sends a stage with enough waiting.
    /// </summary>
    internal static void AppendAsAWriterDoes(FrameOutbox outbox, Lock sendLock, LaneStage stage, Func<bool> hasRoom, Action append)
    {
        Assert.True(stage.TryEnter(ThreadTicket.Current));
        while (!hasRoom())
        {
            LaneStage.Exit(ThreadTicket.Current);
            lock (sendLock)
                outbox.Gather(stage);
            Assert.True(stage.TryEnter(ThreadTicket.Current));
        }
        append();
        LaneStage.Exit(ThreadTicket.Current);
        if (outbox.IsIdle)
            outbox.OnStagedWhileIdle();
        else if (stage.IsFlushDue(FrameOutbox.InlineFlushBytes))
            outbox.OnStageFull();
    }

    [Fact]
    public void A_stage_is_refused_when_one_entry_exceeds_the_other_sides_frame()
    {
        var sendLock = new Lock();
        var outbox = new FrameOutbox(sendLock, ex => throw new InvalidOperationException("send failed", ex));
        // At most 20 bytes after the length field: lane and kind 3, prefix 4, so 13 bytes of message at most.
        outbox.Start(new CapturingTransport(), 20);
        lock (sendLock)
        {
            Assert.Null(outbox.AddStage(0, 14));
            Assert.NotNull(outbox.AddStage(0, 13));
        }
        outbox.Shutdown();
    }

    [Fact]
    public async Task A_revoked_owner_appends_nothing_after_the_revocation_returns()
    {
        var random = new Random(4242);
        for (int round = 0; round < 50; round++)
        {
            var stage = new LaneStage(0, EntrySize);
            long appended = 0;
            using var owning = new ManualResetEventSlim();
            using var stop = new CancellationTokenSource();
            // A thread that never owns the stage keeps trying, as other writers of the lane do: it never gets in, and
            // the revocation below still waits out the owner's append (the writers-at-once test of the lanes is where
            // a bystander clearing the owner's busy mark showed, as messages out of order).
            bool bystanderGotIn = false;
            var bystander = new Thread(() =>
            {
                ThreadTicket me = ThreadTicket.Current;
                while (!stop.IsCancellationRequested)
                    bystanderGotIn |= stage.TryEnter(me);
            });
            bystander.Start();
            var owner = new Thread(() =>
            {
                ThreadTicket me = ThreadTicket.Current;
                stage.Revoke(me);
                owning.Set();
                // Appends until the ring is full, then keeps trying (as a writer whose reader is slow) until revoked.
                while (stage.TryEnter(me))
                {
                    if (stage.HasRoom())
                    {
                        stage.Append(new Sample(appended, 0, 0));
                        appended++;
                    }
                    LaneStage.Exit(me);
                }
            });
            owner.Start();
            owning.Wait();
            await Task.Delay(random.Next(0, 3));
            stage.Revoke(ThreadTicket.Shared);
            long atRevocation = stage.Appended;
            Assert.True(owner.Join(TimeSpan.FromSeconds(10)), "the owner did not see the revocation");
            Assert.Equal(atRevocation, stage.Appended);
            Assert.Equal(appended * EntrySize, stage.Appended);
            Assert.False(stage.TryEnter(ThreadTicket.Current));
            stop.Cancel();
            Assert.True(bystander.Join(TimeSpan.FromSeconds(10)));
            Assert.False(bystanderGotIn);
        }
    }

    [Fact]
    public async Task A_revocation_waits_for_the_owner_inside_an_append_whatever_a_thread_revoked_before_does()
    {
        var stage = new LaneStage(0, EntrySize);
        using var formerOwned = new ManualResetEventSlim();
        using var formerRevoked = new ManualResetEventSlim();
        using var ownerInside = new ManualResetEventSlim();
        using var ownerMayLeave = new ManualResetEventSlim();
        using var formerDone = new ManualResetEventSlim();
        bool formerEnteredAsOwner = false, formerGotInAfter = false, ownerEntered = false;

        // The former owner enters and leaves once as the owner, then, revoked, keeps trying as a writer that has not
        // noticed yet: its own mark goes up and down, and the current owner's must not.
        var former = new Thread(() =>
        {
            ThreadTicket me = ThreadTicket.Current;
            stage.Revoke(me);
            formerEnteredAsOwner = stage.TryEnter(me);
            if (formerEnteredAsOwner)
                LaneStage.Exit(me);
            formerOwned.Set();
            formerRevoked.Wait();
            for (int i = 0; i < 100_000; i++)
            {
                if (stage.TryEnter(me))
                {
                    formerGotInAfter = true;
                    LaneStage.Exit(me);
                }
            }
            formerDone.Set();
        });
        var owner = new Thread(() =>
        {
            formerOwned.Wait();
            ThreadTicket me = ThreadTicket.Current;
            stage.Revoke(me);
            formerRevoked.Set();
            ownerEntered = stage.TryEnter(me);
            if (ownerEntered)
                stage.Append(new Sample(1, 2, 3));
            ownerInside.Set();
            ownerMayLeave.Wait();
            if (ownerEntered)
                LaneStage.Exit(me);
        }) { IsBackground = true };
        former.IsBackground = true;
        former.Start();
        owner.Start();
        try
        {
            Assert.True(ownerInside.Wait(TimeSpan.FromSeconds(10)));
            Assert.True(formerDone.Wait(TimeSpan.FromSeconds(10)));
            Assert.True(formerEnteredAsOwner && ownerEntered);
            Assert.False(formerGotInAfter);

            Task revocation = Task.Run(() => stage.Revoke(ThreadTicket.Shared));
            await Task.Delay(200);
            Assert.False(revocation.IsCompleted, "the revocation returned while the owner was inside an append");
            ownerMayLeave.Set();
            await revocation.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Same(ThreadTicket.Shared, stage.Owner);
        }
        finally
        {
            ownerMayLeave.Set();
            formerOwned.Set();
            formerRevoked.Set();
        }
        Assert.True(owner.Join(TimeSpan.FromSeconds(10)) && former.Join(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task An_owner_that_appends_nothing_between_two_sleeps_of_the_loop_gives_its_stage_up()
    {
        var sendLock = new Lock();
        var outbox = new FrameOutbox(sendLock, ex => throw new InvalidOperationException("send failed", ex));
        var capture = new CapturingTransport();
        outbox.Start(capture, 1 << 20);
        LaneStage stage;
        lock (sendLock)
        {
            stage = outbox.AddStage(0, Marshal.SizeOf<Sample>())!;
            stage.Revoke(ThreadTicket.Current);
        }
        Assert.True(stage.TryEnter(ThreadTicket.Current));
        stage.Append(new Sample(1, 2, 3));
        LaneStage.Exit(ThreadTicket.Current);
        if (outbox.IsIdle)
            outbox.OnStagedWhileIdle();

        // While closing, every control frame goes through the loop, which then sleeps again: the second sleep with
        // nothing appended in between takes the stage from its quiet owner.
        outbox.BeginClosing();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (stage.Owner != ThreadTicket.Nobody)
        {
            Assert.True(DateTime.UtcNow < deadline, "the loop kept a quiet owner's stage");
            outbox.AppendControl(FrameLayout.LinkLane, FrameKind.Ping, default);
            await Task.Delay(1);
        }
        Assert.False(stage.TryEnter(ThreadTicket.Current));
        outbox.Shutdown();
        await outbox.Loop!.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, stage.Unsent);
        // The staged entry left first, as a Batch frame of its lane.
        byte[] sent = capture.Bytes;
        Assert.Equal(0, BitConverter.ToUInt16(sent, FrameLayout.LengthFieldSize));
        Assert.Equal((byte)FrameKind.Batch, sent[FrameLayout.LengthFieldSize + 2]);
        Assert.Equal(new Sample(1, 2, 3), MemoryMarshal.Read<Sample>(sent.AsSpan(FrameLayout.HeaderSize + FrameLayout.BatchEntryPrefixSize)));
    }

    [Fact]
    public void A_declined_flush_is_offered_again_after_an_eighth_more_not_after_every_entry()
    {
        const int due = FrameOutbox.InlineFlushBytes;
        var stage = new LaneStage(0, EntrySize);
        ThreadTicket me = ThreadTicket.Current;
        stage.Revoke(me);
        var offers = new List<long>();
        for (int round = 0; round < 2; round++)
        {
            // Nobody takes the entries: every offer is declined, until the stage is full.
            offers.Clear();
            Assert.True(stage.TryEnter(me));
            for (int i = 0; stage.HasRoom(); i++)
            {
                stage.Append(new Sample(i, i, i));
                if (stage.IsFlushDue(due))
                    offers.Add(stage.Unsent);
            }
            LaneStage.Exit(me);

            Assert.True(offers.Count >= 3, $"{offers.Count} offers");
            // The first as soon as enough waits, then one per eighth of that appended.
            Assert.InRange(offers[0], due, due + EntrySize - 1);
            for (int i = 1; i < offers.Count; i++)
                Assert.InRange(offers[i] - offers[i - 1], due / 8, due / 8 + EntrySize);

            // Taken out: the next offer comes as soon as enough waits again.
            while (stage.Peek(int.MaxValue) is { IsEmpty: false } run)
                stage.Consume(run.Length);
        }
    }

    [Fact]
    public void Entries_wrap_around_the_ring_whole_and_in_order()
    {
        var stage = new LaneStage(0, EntrySize);
        ThreadTicket me = ThreadTicket.Current;
        stage.Revoke(me);
        long next = 0, expected = 0;
        // Several laps, taking out runs of odd sizes so that the consumer's position lands everywhere.
        for (int lap = 0; lap < 2_000; lap++)
        {
            Assert.True(stage.TryEnter(me));
            while (stage.HasRoom())
                stage.Append(new Sample(next++, 1, 2));
            LaneStage.Exit(me);
            int take = (lap % 7 + 1) * 1_000;
            while (take > 0)
            {
                ReadOnlySpan<byte> run = stage.Peek(Math.Min(take, 4_096));
                if (run.IsEmpty)
                    break;
                Assert.Equal(0, run.Length % EntrySize);
                for (int offset = 0; offset < run.Length; offset += EntrySize)
                {
                    Assert.Equal(Marshal.SizeOf<Sample>(), BitConverter.ToInt32(run.Slice(offset)));
                    Assert.Equal(expected++, MemoryMarshal.Read<Sample>(run.Slice(offset + FrameLayout.BatchEntryPrefixSize)).A);
                }
                stage.Consume(run.Length);
                take -= run.Length;
            }
        }
        Assert.True(next > 100_000);
    }
}
