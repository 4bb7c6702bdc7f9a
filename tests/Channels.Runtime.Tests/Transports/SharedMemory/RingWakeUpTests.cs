using System.Buffers.Binary;
using System.Diagnostics;
using Channels.Runtime.Tests.Processes;
using Channels.Transports.SharedMemory;
using Xunit;

namespace Channels.Runtime.Tests.Transports.SharedMemory;

/// <summary>
/// Issue 11, acceptance 3: a million single-record bursts to a consumer that parks between them all arrive, and
/// every sleep of the consumer ends by a wake-up, not by its safety time slice (which would hide a lost wake-up).
/// Runs alone: it measures hand-overs, not the machine's other work.
/// </summary>
[Collection(nameof(ProcessTestsCollection))]
public sealed unsafe class RingWakeUpTests
{
    [Fact]
    public void A_million_single_record_bursts_to_a_parking_consumer_are_all_woken()
    {
        // Each record is a burst of one: the producer waits until the previous one was consumed, and before every
        // 16th until the consumer has announced that it sleeps, so hand-overs cross the spin, the park decision and
        // the sleep itself.
        const int Count = 1_000_000;
        using var ring = new RingMemory(4096);
        int stop = 0;
        int consumed = 0;
        Exception? failure = null;
        var consumer = new Thread(() =>
        {
            try
            {
                for (int i = 0; i < Count; i++)
                {
                    if (!RingWait.ForRecord(ring.Consumer, SharedMemoryWait.SpinThenPark, ref stop, spinRounds: 4))
                        return;
                    ring.Consumer.TryRead(out _, out int offset, out _);
                    if (*(int*)(ring.Consumer.Data + offset) != i)
                        throw new InvalidOperationException($"record {i} arrived out of order");
                    ring.Consumer.Release();
                    Volatile.Write(ref consumed, i + 1);
                }
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        }) { IsBackground = true };
        consumer.Start();
        var idle = Stopwatch.StartNew();
        try
        {
            for (int i = 0; i < Count; i++)
            {
                // Yielding waits: the consumer needs the core more than this loop does.
                var spinner = new SpinWait();
                while (Volatile.Read(ref consumed) < i)
                {
                    Assert.Null(failure);
                    Assert.True(idle.Elapsed < TimeSpan.FromSeconds(60), $"record {i - 1} was not consumed for a minute");
                    spinner.SpinOnce();
                }
                idle.Restart();
                if ((i & 15) == 15)
                {
                    spinner = new SpinWait();
                    while (Volatile.Read(ref ring.Consumer.ReaderParked) == 0 && Volatile.Read(ref consumed) == i && consumer.IsAlive)
                        spinner.SpinOnce();
                }
                Assert.True(ring.Producer.TryClaim(4, out Span<byte> payload));
                BinaryPrimitives.WriteInt32LittleEndian(payload, i);
                ring.Producer.Commit(RecordType.Data, 4);
                if (ring.Producer.ConsumerNeedsWake())
                    RingWait.Wake(ref ring.Producer.ReaderParked);
            }
            Assert.True(consumer.Join(TimeSpan.FromMinutes(1)), $"consumer stuck after {consumed} records");
            Assert.Null(failure);
            Assert.Equal(Count, consumed);
            // A slice may run out legitimately when this thread is descheduled that long; a lost wake-up would make it systematic.
            Assert.True(ring.Consumer.SleepTimeouts <= 20, $"{ring.Consumer.SleepTimeouts} sleeps ended by their time slice: wake-ups were lost");
        }
        finally
        {
            // Never free the ring under a running consumer.
            Volatile.Write(ref stop, 1);
            RingWait.Interrupt(ref ring.Consumer.ReaderParked);
            consumer.Join();
        }
    }
}
