using Channels.SharedMemory;

namespace Channels.Transports.SharedMemory;

/// <summary>
/// Blocking waits of the two ring sides: spin briefly, then (unless busy-spinning) park on the side's futex word
/// after announcing it, so the other side makes a wake-up system call only for a sleeper. Each wait also ends when
/// <c>stop</c> becomes non-zero; whoever sets it must then call <see cref="Interrupt"/> on both words.
/// </summary>
internal static unsafe class RingWait
{
    /// <summary>Rounds of spinning before a default wait yields and then parks.</summary>
    public const int DefaultSpinRounds = 64;
    private const int SpinIterations = 20;
    private const int YieldRounds = 4;
    private const int BusyYieldEvery = 4096;

    /// <summary>Sleeps are cut into slices of this length, so that a missed interrupt costs at most one slice.</summary>
    private const int ParkSliceMs = 200;

    /// <summary>Waits until the ring has a record; false when stopped first.</summary>
    public static bool ForRecord(RingConsumer consumer, SharedMemoryWait strategy, ref int stop, int spinRounds = DefaultSpinRounds)
    {
        for (long round = 0; ; round++)
        {
            if (consumer.HasRecord())
                return true;
            if (Volatile.Read(ref stop) != 0)
                return false;
            // While a reader of this process polls the ring, it does the waiting: park at once, out of its way.
            if (Volatile.Read(ref consumer.Pollers) == 0 && !Pause(strategy, round, spinRounds))
                continue;
            int parked = consumer.PrepareToPark();
            if (parked != 0)
            {
                fixed (int* word = &consumer.ReaderParked)
                {
                    // A sleep covered by a poller may well end by its slice; only the others measure lost wake-ups.
                    if (Volatile.Read(ref stop) == 0 && !Futex.Wait(word, parked, ParkSliceMs) && parked == RingConsumer.ParkedWakeMe)
                        consumer.SleepTimeouts++;
                }
                Volatile.Write(ref consumer.ReaderParked, 0);
            }
        }
    }

    /// <summary>
    /// Sleeps up to <paramref name="sliceMs"/> while a reader of this process is still working through what it was
    /// given and will poll the ring itself when it is done: the producer does not wake this sleep, a poller that leaves
    /// with records waiting does (as for a sleep covered by polling readers). Returns at once when a record is there.
    /// </summary>
    public static void LeaveToReader(RingConsumer consumer, ref int stop, int sliceMs)
    {
        if (consumer.HasRecord() || Volatile.Read(ref stop) != 0)
            return;
        int parked = consumer.PrepareToPark(covered: true);
        if (parked == 0)
            return;
        fixed (int* word = &consumer.ReaderParked)
        {
            if (Volatile.Read(ref stop) == 0)
                Futex.Wait(word, parked, sliceMs);
        }
        Volatile.Write(ref consumer.ReaderParked, 0);
    }

    /// <summary>Waits until the ring has room for a record of <paramref name="payloadLength"/> bytes; false when stopped first.</summary>
    public static bool ForRoom(RingProducer producer, int payloadLength, SharedMemoryWait strategy, ref int stop, int spinRounds = DefaultSpinRounds)
    {
        for (long round = 0; ; round++)
        {
            if (producer.HasRoomFor(payloadLength))
                return true;
            if (Volatile.Read(ref stop) != 0)
                return false;
            if (!Pause(strategy, round, spinRounds))
                continue;
            if (producer.PrepareToPark(payloadLength))
            {
                fixed (int* word = &producer.WriterParked)
                {
                    if (Volatile.Read(ref stop) == 0)
                        Futex.Wait(word, 1, ParkSliceMs);
                }
                Volatile.Write(ref producer.WriterParked, 0);
            }
        }
    }

    /// <summary>Wakes a sleeper on <paramref name="word"/> (the other side made progress, or this process stops waiting).</summary>
    public static void Wake(ref int word)
    {
        fixed (int* pointer = &word)
            Futex.Wake(pointer);
    }

    /// <summary>Ends a wait of this process on <paramref name="word"/> after its stop flag was set: clears the word so a sleep about to start returns at once, then wakes.</summary>
    public static void Interrupt(ref int word)
    {
        Interlocked.Exchange(ref word, 0);
        Wake(ref word);
    }

    // Spins or yields for this round; true when the caller should park now.
    private static bool Pause(SharedMemoryWait strategy, long round, int spinRounds)
    {
        if (strategy == SharedMemoryWait.BusySpin)
        {
            if (round % BusyYieldEvery == BusyYieldEvery - 1)
                Thread.Yield();
            else
                Thread.SpinWait(1);
            return false;
        }
        if (round < spinRounds)
        {
            Thread.SpinWait(SpinIterations);
            return false;
        }
        if (round < spinRounds + YieldRounds)
        {
            Thread.Yield();
            return false;
        }
        return true;
    }
}
