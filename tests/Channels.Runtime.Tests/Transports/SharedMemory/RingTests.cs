using System.Buffers.Binary;
using Channels.Transports.SharedMemory;
using Channels.TestChild.Scenarios;
using Xunit;

namespace Channels.Runtime.Tests.Transports.SharedMemory;

public sealed unsafe class RingTests
{
    [Fact]
    public void Records_come_out_whole_and_in_order_across_many_wraps()
    {
        using var ring = new RingMemory(4096);
        var random = new Random(7);
        int produced = 0;
        int consumed = 0;
        int padded = 0;
        while (consumed < 20_000)
        {
            // Produce a few, consume a few, so the positions drift through every alignment of the wrap.
            for (int n = random.Next(1, 6); n > 0; n--)
            {
                int length = RingRecords.NextLength(random, ring.Producer.MaxPayload);
                if (!ring.Producer.TryClaim(length, out Span<byte> payload))
                    break;
                RingRecords.Fill(payload, produced++);
                ring.Producer.Commit(RecordType.Data, length);
            }
            for (int n = random.Next(1, 6); n > 0 && ring.Consumer.TryRead(out RecordType type, out int offset, out int length); n--)
            {
                Assert.Equal(RecordType.Data, type);
                Assert.True(RingRecords.Check(ring.Payload(offset, length), consumed), $"record {consumed} is damaged");
                if (offset == RingLayout.RecordHeaderSize && consumed > 0)
                    padded++;
                consumed++;
            }
            ring.Consumer.Release();
        }
        Assert.True(padded > 10, $"only {padded} wraps happened");
    }

    [Fact]
    public void A_full_ring_refuses_claims_until_the_consumer_releases()
    {
        using var ring = new RingMemory(1024);
        int written = 0;
        while (ring.Producer.TryClaim(100, out Span<byte> payload))
        {
            RingRecords.Fill(payload, written++);
            ring.Producer.Commit(RecordType.Data, 100);
        }
        Assert.Equal(1024 / RingLayout.Footprint(100), written);
        Assert.True(ring.Producer.Used() <= ring.Capacity);
        Assert.False(ring.Producer.HasRoomFor(100));

        Assert.True(ring.Consumer.TryRead(out _, out int offset, out int length));
        Assert.True(RingRecords.Check(ring.Payload(offset, length), 0));
        Assert.False(ring.Producer.HasRoomFor(100));           // read but not released: still taken
        while (ring.Consumer.TryRead(out _, out _, out _))
        {
        }
        Assert.False(ring.Consumer.HasRecord());               // a whole lap read: the records are not read twice
        Assert.False(ring.Consumer.TryRead(out _, out _, out _));
        ring.Consumer.Release();
        Assert.True(ring.Producer.TryClaim(100, out _));
    }

    [Fact]
    public void A_claimed_record_is_invisible_until_committed()
    {
        using var ring = new RingMemory(1024);
        Assert.True(ring.Producer.TryClaim(40, out Span<byte> payload));
        RingRecords.Fill(payload, 0);
        Assert.False(ring.Consumer.HasRecord());
        Assert.False(ring.Consumer.TryRead(out _, out _, out _));
        ring.Producer.Commit(RecordType.Data, 40);
        Assert.True(ring.Consumer.TryRead(out _, out int offset, out int length));
        Assert.Equal(40, length);
        Assert.True(RingRecords.Check(ring.Payload(offset, length), 0));
    }

    [Fact]
    public void Released_room_is_zeroed_so_the_next_lap_sees_no_stale_lengths()
    {
        using var ring = new RingMemory(1024);
        for (int lap = 0; lap < 3; lap++)
        {
            while (ring.Producer.TryClaim(56, out Span<byte> payload))
            {
                payload.Fill(0xFF);
                ring.Producer.Commit(RecordType.Data, 56);
            }
            while (ring.Consumer.TryRead(out _, out _, out _))
            {
            }
            ring.Consumer.Release();
            Assert.True(ring.Data.IndexOfAnyExcept((byte)0) < 0, "released bytes were not cleared");
        }
    }

    [Theory]
    [InlineData(4, 1)]          // shorter than a record header
    [InlineData(2000, 1)]       // beyond the end of the data area
    [InlineData(16, 9)]         // unknown type
    [InlineData(16, 2)]         // padding that does not reach the end
    public void A_corrupt_record_ends_with_ProtocolException(int length, int type)
    {
        using var ring = new RingMemory(1024);
        BinaryPrimitives.WriteInt32LittleEndian(ring.Data.Slice(4), type);
        BinaryPrimitives.WriteInt32LittleEndian(ring.Data, length);
        var ex = Assert.Throws<ProtocolException>(() => ring.Consumer.TryRead(out _, out _, out _));
        Assert.Contains("corrupted the ring", ex.Message);
    }

    [Theory]
    [InlineData(-8)]
    [InlineData(8)]       // ahead of everything produced
    [InlineData(3)]       // unaligned
    public void A_corrupt_head_ends_the_producer_with_ProtocolException(long head)
    {
        using var ring = new RingMemory(1024);
        while (ring.Producer.TryClaim(100, out _))
            ring.Producer.Commit(RecordType.Data, 100);
        *(long*)(ring.Region + RingLayout.HeadOffset) = head + (head == 8 ? 2048 : 0);
        Assert.Throws<ProtocolException>(() => ring.Producer.HasRoomFor(100));
    }

    [Fact]
    public void A_foreign_or_truncated_header_is_refused()
    {
        var region = new byte[RingLayout.RegionSize(1024)];
        Assert.Throws<ProtocolException>(() => RingLayout.ReadCapacity(region));
        RingLayout.Initialize(region, 1024);
        Assert.Equal(1024, RingLayout.ReadCapacity(region));
        Assert.Throws<ProtocolException>(() => RingLayout.ReadCapacity(region.AsSpan(0, RingLayout.RegionSize(1024) - 1)));
        BinaryPrimitives.WriteInt32LittleEndian(region.AsSpan(8), 1000);
        Assert.Throws<ProtocolException>(() => RingLayout.ReadCapacity(region));
        Assert.Throws<ArgumentOutOfRangeException>(() => RingLayout.Initialize(region, 1000));
    }

    [Fact]
    public void A_stopped_wait_returns_false_at_once()
    {
        using var ring = new RingMemory(1024);
        int stop = 0;
        bool? result = null;
        var waiter = new Thread(() => result = RingWait.ForRecord(ring.Consumer, SharedMemoryWait.SpinThenPark, ref stop)) { IsBackground = true };
        waiter.Start();
        SpinWait.SpinUntil(() => Volatile.Read(ref ring.Consumer.ReaderParked) != 0, TimeSpan.FromSeconds(10));
        Volatile.Write(ref stop, 1);
        RingWait.Interrupt(ref ring.Consumer.ReaderParked);
        Assert.True(waiter.Join(TimeSpan.FromMilliseconds(150)), "the interrupted wait kept sleeping");
        Assert.False(result);
    }
}
