using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Channels.Transports.SharedMemory;

/// <summary>
/// The producing side of a <see cref="RingLayout"/> ring; one per ring, used by one thread at a time. It claims
/// room for a record, lets the caller fill the payload, and commits it with a release store of the length. The
/// consumer's head is read only when the cached copy says the ring is too full, so a producer that stays ahead
/// touches the consumer's cache line about once per lap.
/// </summary>
[DebuggerDisplay("ring producer at {_tail}, {Capacity} bytes")]
internal sealed unsafe class RingProducer
{
    private readonly byte* _region;
    private readonly byte* _data;
    private readonly int _mask;
    private long _tail;
    private long _cachedHead;
    private int _claimIndex = -1;

    /// <summary>Produces into the initialized ring at <paramref name="region"/>, which must stay mapped while this is used.</summary>
    public RingProducer(byte* region, int capacity)
    {
        Debug.Assert(RingLayout.IsValidCapacity(capacity));
        _region = region;
        _data = region + RingLayout.HeaderSize;
        Capacity = capacity;
        _mask = capacity - 1;
        _tail = _cachedHead = Volatile.Read(ref *(long*)(region + RingLayout.HeadOffset));
    }

    /// <summary>Bytes of the data area.</summary>
    public int Capacity { get; }

    /// <summary>The largest payload of one record: half the ring, so that a record always fits once the consumer has caught up, even after wrapping.</summary>
    public int MaxPayload => Capacity / 2 - RingLayout.RecordHeaderSize;

    /// <summary>The consumer's futex word, which this side wakes.</summary>
    public ref int ReaderParked => ref *(int*)(_region + RingLayout.ReaderParkedOffset);

    /// <summary>This side's futex word, on which it sleeps while the ring is full.</summary>
    public ref int WriterParked => ref *(int*)(_region + RingLayout.WriterParkedOffset);

    /// <summary>
    /// Claims room for a record of <paramref name="payloadLength"/> bytes without waiting; on success the payload
    /// goes into <paramref name="payload"/> and <see cref="Commit"/> publishes it. Nothing is visible to the
    /// consumer before that; a claim that is not committed is simply claimed again by the next call.
    /// </summary>
    /// <exception cref="ProtocolException">The consumer's head is not a position this ring can have (a corrupt or hostile peer).</exception>
    public bool TryClaim(int payloadLength, out Span<byte> payload)
    {
        Debug.Assert((uint)payloadLength <= (uint)MaxPayload);
        int footprint = RingLayout.Footprint(payloadLength);
        int index = (int)(_tail & _mask);
        int toEnd = Capacity - index;
        int needed = footprint <= toEnd ? footprint : toEnd + footprint;
        if (!HasRoom(needed))
        {
            payload = default;
            return false;
        }
        if (footprint > toEnd)
        {
            // The record does not fit before the end: fill the rest with padding the consumer skips.
            *(int*)(_data + index + 4) = (int)RecordType.Padding;
            Volatile.Write(ref *(int*)(_data + index), toEnd);
            _tail += toEnd;
            index = 0;
        }
        _claimIndex = index;
        payload = new Span<byte>(_data + index + RingLayout.RecordHeaderSize, payloadLength);
        return true;
    }

    /// <summary>Publishes the claimed record as <paramref name="type"/> with the first <paramref name="payloadLength"/> bytes of its payload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Commit(RecordType type, int payloadLength)
    {
        Debug.Assert(_claimIndex >= 0 && type != RecordType.Padding);
        byte* record = _data + _claimIndex;
        *(int*)(record + 4) = (int)type;
        // The release store: the consumer that sees this length sees the type and the payload too.
        Volatile.Write(ref *(int*)record, RingLayout.RecordHeaderSize + payloadLength);
        _tail += RingLayout.Footprint(payloadLength);
        _claimIndex = -1;
    }

    /// <summary>
    /// Called once per batch, after its last commit: whether the consumer was parked, in which case this clears its
    /// flag and the caller must wake it (futex wake on <see cref="ReaderParked"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool ConsumerNeedsWake()
    {
        // Store-load fence: the consumer sets its flag and then looks for records; we published records and now
        // look at the flag. Without the fence both could miss the other's store, and the consumer would sleep on
        // a record.
        Interlocked.MemoryBarrier();
        // Only a consumer parked with nobody polling for it (1) needs the system call; 2 means a reader of its
        // process polls the ring meanwhile (RingConsumer.BeginPolling).
        return Volatile.Read(ref ReaderParked) == RingConsumer.ParkedWakeMe
            && Interlocked.CompareExchange(ref ReaderParked, 0, RingConsumer.ParkedWakeMe) == RingConsumer.ParkedWakeMe;
    }

    /// <summary>
    /// Before sleeping on <see cref="WriterParked"/> for room for <paramref name="payloadLength"/> bytes: sets the
    /// flag, then looks again; returns false (flag cleared) when room appeared meanwhile, so the caller must not sleep.
    /// </summary>
    public bool PrepareToPark(int payloadLength)
    {
        Interlocked.Exchange(ref WriterParked, 1);
        if (HasRoomFor(payloadLength))
        {
            Volatile.Write(ref WriterParked, 0);
            return false;
        }
        return true;
    }

    /// <summary>Whether a record of <paramref name="payloadLength"/> bytes would fit now (wrapping included).</summary>
    public bool HasRoomFor(int payloadLength)
    {
        int footprint = RingLayout.Footprint(payloadLength);
        int toEnd = Capacity - (int)(_tail & _mask);
        return HasRoom(footprint <= toEnd ? footprint : toEnd + footprint);
    }

    /// <summary>The largest payload, at most <paramref name="limit"/>, that <see cref="TryClaim"/> would take now (0 when none).</summary>
    public int ClaimableNow(int limit)
    {
        RefreshHead();
        long free = Capacity - (_tail - _cachedHead);
        int toEnd = Capacity - (int)(_tail & _mask);
        // Either the room before the end, or (after padding to the end) the room from the start.
        long room = free >= toEnd ? Math.Max(toEnd, free - toEnd) : free;
        return (int)Math.Clamp(room - RingLayout.RecordHeaderSize, 0, Math.Min(limit, MaxPayload));
    }

    /// <summary>Bytes the consumer has not yet released, as this side knows it after refreshing the head.</summary>
    public int Used()
    {
        RefreshHead();
        return (int)(_tail - _cachedHead);
    }

    private bool HasRoom(int needed)
    {
        if (Capacity - (_tail - _cachedHead) >= needed)
            return true;
        RefreshHead();
        return Capacity - (_tail - _cachedHead) >= needed;
    }

    private void RefreshHead()
    {
        long head = Volatile.Read(ref *(long*)(_region + RingLayout.HeadOffset));
        if (head < _cachedHead || head > _tail || (head & (RingLayout.Alignment - 1)) != 0)
            ThrowBadHead(head);
        _cachedHead = head;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowBadHead(long head)
        => throw new ProtocolException($"The consumer of a shared-memory ring moved its position to {head}, outside {_cachedHead}..{_tail}; the other process corrupted the ring.");
}
