using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Channels.Transports.SharedMemory;

/// <summary>
/// The consuming side of a <see cref="RingLayout"/> ring; one per ring, used by one thread at a time. It reads
/// committed records in place (<see cref="TryRead"/>), and gives their room back in one step per batch
/// (<see cref="Release"/>): zero the bytes, publish the head, and wake the producer if it sleeps for room. Every
/// length and type is checked against the ring's bounds before use, since they come from another process.
/// </summary>
[DebuggerDisplay("ring consumer at {_read}, released {_head}, {Capacity} bytes")]
internal sealed unsafe class RingConsumer
{
    private readonly byte* _region;
    private readonly byte* _data;
    private readonly int _mask;
    private long _head;
    private long _read;

    /// <summary>Consumes from the ring at <paramref name="region"/> (header checked by <see cref="RingLayout.ReadCapacity"/>), which must stay mapped while this is used.</summary>
    public RingConsumer(byte* region, int capacity)
    {
        Debug.Assert(RingLayout.IsValidCapacity(capacity));
        _region = region;
        _data = region + RingLayout.HeaderSize;
        Capacity = capacity;
        _mask = capacity - 1;
        _head = _read = Volatile.Read(ref *(long*)(region + RingLayout.HeadOffset));
    }

    /// <summary>Bytes of the data area.</summary>
    public int Capacity { get; }

    /// <summary>The base of the data area, for callers that wrap records' payloads without copying.</summary>
    public byte* Data => _data;

    /// <summary>This side's futex word, on which it sleeps while the ring is empty.</summary>
    public ref int ReaderParked => ref *(int*)(_region + RingLayout.ReaderParkedOffset);

    /// <summary>The producer's futex word, which this side wakes when it releases room.</summary>
    public ref int WriterParked => ref *(int*)(_region + RingLayout.WriterParkedOffset);

    /// <summary>
    /// Sleeps that ended by their time slice rather than by a wake-up; a wake-up lost by the protocol would show here
    /// (the slices only bound its cost), so tests watch it.
    /// </summary>
    public int SleepTimeouts;

    /// <summary>Whether anything was read since the last <see cref="Release"/>.</summary>
    public bool HasUnreleased => _read != _head;

    /// <summary>
    /// Reads the next committed record in place: its payload starts at <c>Data + offset</c> and stays valid until
    /// <see cref="Release"/>. Padding is skipped.
    /// </summary>
    /// <exception cref="ProtocolException">The record's length or type is impossible (a corrupt or hostile producer).</exception>
    public bool TryRead(out RecordType type, out int offset, out int length)
    {
        while (true)
        {
            int index = (int)(_read & _mask);
            // A whole lap read and not released: the next length word belongs to a record read already.
            int recordLength = _read - _head < Capacity ? Volatile.Read(ref *(int*)(_data + index)) : 0;
            if (recordLength == 0)
            {
                type = default;
                offset = length = 0;
                return false;
            }
            int toEnd = Capacity - index;
            if (recordLength < RingLayout.RecordHeaderSize || recordLength > toEnd)
                ThrowBadRecord($"a record of {recordLength} bytes at offset {index} (it must be {RingLayout.RecordHeaderSize} to {toEnd} bytes)");
            type = (RecordType)(*(int*)(_data + index + 4));
            if (type == RecordType.Padding)
            {
                if (recordLength != toEnd)
                    ThrowBadRecord($"padding of {recordLength} bytes at offset {index} that does not reach the end ({toEnd} bytes)");
                _read += toEnd;
                continue;
            }
            if (type is not (RecordType.Data or RecordType.End))
                ThrowBadRecord($"a record of unknown type {(int)type} at offset {index}");
            offset = index + RingLayout.RecordHeaderSize;
            length = recordLength - RingLayout.RecordHeaderSize;
            _read += RingLayout.Footprint(length);
            return true;
        }
    }

    /// <summary>
    /// Gives back the room of everything read so far: zeroes it (so the next lap reads zero lengths until the
    /// producer commits), then publishes the head. Returns whether the producer was parked for room, in which case
    /// this cleared its flag and the caller must wake it (futex wake on <see cref="WriterParked"/>).
    /// </summary>
    public bool Release()
    {
        if (_read == _head)
            return false;
        int start = (int)(_head & _mask);
        long count = _read - _head;
        int first = (int)Math.Min(count, Capacity - start);
        new Span<byte>(_data + start, first).Clear();
        if (count > first)
            new Span<byte>(_data, (int)(count - first)).Clear();
        _head = _read;
        Volatile.Write(ref *(long*)(_region + RingLayout.HeadOffset), _head);
        Interlocked.MemoryBarrier();
        return Volatile.Read(ref WriterParked) != 0 && Interlocked.Exchange(ref WriterParked, 0) != 0;
    }

    /// <summary>Whether a committed record (or padding) waits at the read position.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool HasRecord() => _read - _head < Capacity && Volatile.Read(ref *(int*)(_data + (int)(_read & _mask))) != 0;

    /// <summary>A value of <see cref="ReaderParked"/>: the consumer sleeps and the producer must wake it.</summary>
    public const int ParkedWakeMe = 1;

    /// <summary>
    /// A value of <see cref="ReaderParked"/>: the consumer's thread sleeps, but a reader of its process polls the ring
    /// meanwhile (<see cref="BeginPolling"/>), so the producer makes no wake-up call.
    /// </summary>
    public const int ParkedPolled = 2;

    /// <summary>Readers of this process polling the ring now (<see cref="BeginPolling"/>); process-local.</summary>
    public int Pollers;

    /// <summary>
    /// Before sleeping on <see cref="ReaderParked"/>: sets the flag, then looks again. Returns the value to sleep on
    /// (<see cref="ParkedPolled"/> while a reader polls, else <see cref="ParkedWakeMe"/>), or 0 (flag cleared) when a
    /// record arrived meanwhile, so the caller must not sleep.
    /// </summary>
    public int PrepareToPark(bool covered = false)
    {
        int parked = covered || Volatile.Read(ref Pollers) > 0 ? ParkedPolled : ParkedWakeMe;
        Interlocked.Exchange(ref ReaderParked, parked);
        // The last poller may have left before the flag was set (its hand-back found nothing to hand back): look
        // again after the full fence above, and ask for wake-ups after all. See EndPolling for the other half.
        if (parked == ParkedPolled && !covered && Volatile.Read(ref Pollers) == 0)
        {
            parked = ParkedWakeMe;
            Interlocked.Exchange(ref ReaderParked, parked);
        }
        if (HasRecord())
        {
            Volatile.Write(ref ReaderParked, 0);
            return 0;
        }
        return parked;
    }

    /// <summary>
    /// A reader of this process starts polling the ring itself: while any does, a parked consumer thread is not
    /// woken by the producer (its flag goes from <see cref="ParkedWakeMe"/> to <see cref="ParkedPolled"/>).
    /// </summary>
    public void BeginPolling()
    {
        Interlocked.Increment(ref Pollers);
        Interlocked.CompareExchange(ref ReaderParked, ParkedPolled, ParkedWakeMe);
    }

    /// <summary>
    /// A reader stops polling. The last one hands the duty back to a parked consumer thread (its flag goes back to
    /// <see cref="ParkedWakeMe"/>, a full fence), then looks for a record that came after its last poll; true when
    /// there is one, in which case the caller must wake the consumer thread.
    /// </summary>
    public bool EndPolling()
    {
        if (Interlocked.Decrement(ref Pollers) != 0)
            return false;
        return Interlocked.CompareExchange(ref ReaderParked, ParkedWakeMe, ParkedPolled) == ParkedPolled && HasRecord();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadRecord(string what)
        => throw new ProtocolException($"A shared-memory ring holds {what}; the other process corrupted the ring.");
}
