using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Channels.SharedMemory;
using static Channels.Queues.QueueSegmentLayout;

namespace Channels.Queues;

/// <summary>
/// A bounded multi-producer, multi-consumer queue of variable-size items in one shared segment: a byte ring of
/// length-prefixed records guarded by a <see cref="SharedLock"/> whose word names the holder, so that the host can
/// break the lock of a process that died holding it. Every change is committed with one 64-bit store (the tail word
/// for a put, the head word for a get), so the ring is consistent at every instruction and a broken lock needs no
/// repair. Waiting is spin-then-futex on <see cref="SharedSignal"/>s. See docs/queues.md.
/// </summary>
[DebuggerDisplay("{Name}: {Count} items")]
internal sealed unsafe class SharedQueueEngine : IQueueEngine
{
    private const int LockSliceMs = 100;
    private const int RepairRetryMs = 10;

    private readonly SharedSegment _segment;
    private readonly int* _lock;
    private readonly long* _tail;
    private readonly long* _head;
    private readonly int* _done;
    private readonly int* _closed;
    private readonly SharedSignal _notEmpty;
    private readonly SharedSignal _notFull;
    private readonly SharedSignal _joined;
    private readonly byte* _arena;
    private readonly long _arenaBytes;
    private readonly long _heldBytes;
    private readonly bool _redeliver;
    private readonly int _owner;
    private readonly byte* _member;
    private readonly byte* _held;
    private volatile Exception? _failure;

    private SharedQueueEngine(SharedSegment segment, string name, int slot)
    {
        _segment = segment;
        Name = name;
        byte* b = segment.Pointer;
        Capacity = *(int*)(b + CapacityOffset);
        _redeliver = (*(int*)(b + FlagsOffset) & FlagRedeliver) != 0;
        _arenaBytes = *(long*)(b + ArenaBytesOffset);
        _heldBytes = *(long*)(b + HeldBytesOffset);
        _lock = (int*)(b + LockOffset);
        _tail = (long*)(b + TailOffset);
        _head = (long*)(b + HeadOffset);
        _done = (int*)(b + DoneOffset);
        _closed = (int*)(b + ClosedOffset);
        _notEmpty = new SharedSignal((int*)(b + NotEmptySequenceOffset), (int*)(b + NotEmptySleepingOffset));
        _notFull = new SharedSignal((int*)(b + NotFullSequenceOffset), (int*)(b + NotFullSleepingOffset));
        _joined = new SharedSignal((int*)(b + JoinedSequenceOffset), (int*)(b + JoinedSleepingOffset));
        _arena = b + ArenaOffset(_heldBytes);
        _owner = slot + 1;
        _member = MemberEntry(slot);
        _held = HeldRing(slot);
        long limit = _arenaBytes / 4;
        if (_redeliver && _heldBytes / 2 < limit) limit = _heldBytes / 2;
        MaxItemBytes = (int)Math.Min(limit - RecordHeaderBytes, int.MaxValue);
    }

    public string Name { get; }

    public int Capacity { get; }

    public int MaxItemBytes { get; }

    /// <summary>Whether an item got and not settled is delivered again when its process ends.</summary>
    public bool Redeliver => _redeliver;

    /// <summary>The segment file (members map it by this path).</summary>
    public string SegmentPath => _segment.Path;

    public int Count
    {
        get
        {
            long head = Volatile.Read(ref *_head);
            long tail = Volatile.Read(ref *_tail);
            return (Sequence(tail) - Sequence(head)) & SequenceMask;
        }
    }

    public bool IsClosed => Volatile.Read(ref *_closed) != 0;

    /// <summary>The sequence number of the next put (24 bits, wrapping; put-backs advance it too).</summary>
    public int PutSequence => Sequence(Volatile.Read(ref *_tail));

    /// <summary>The sequence number of the next get (24 bits, wrapping).</summary>
    public int GetSequence => Sequence(Volatile.Read(ref *_head));

    /// <summary>Items put and not yet settled with TaskDone, across all processes.</summary>
    public int Unfinished => (Sequence(Volatile.Read(ref *_tail)) - Volatile.Read(ref *_done)) & SequenceMask;

    /// <summary>Creates the segment in <paramref name="directory"/> and the host's engine (member slot 0).</summary>
    public static SharedQueueEngine CreateHost(string directory, string prefix, string name, int capacity, bool redeliver, long arenaBytes, ulong fingerprint)
    {
        if (arenaBytes < MinimumArenaBytes || arenaBytes > MaximumArenaBytes || (arenaBytes & (arenaBytes - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(arenaBytes), arenaBytes, $"A queue's byte space must be a power of two from {MinimumArenaBytes} to {MaximumArenaBytes}.");
        long heldBytes = redeliver ? arenaBytes / HeldArenaDivisor : 0;
        var segment = SharedSegment.Create(directory, prefix, TotalBytes(arenaBytes, heldBytes));
        byte* b = segment.Pointer;
        *(int*)(b + VersionOffset) = LayoutVersion;
        *(int*)(b + CapacityOffset) = capacity;
        *(int*)(b + FlagsOffset) = redeliver ? FlagRedeliver : 0;
        *(long*)(b + ArenaBytesOffset) = arenaBytes;
        *(long*)(b + HeldBytesOffset) = heldBytes;
        *(int*)(b + MemberSlotsOffset) = MemberSlots;
        *(ulong*)(b + FingerprintOffset) = fingerprint;
        Volatile.Write(ref *(int*)(b + MagicOffset), Magic);
        return new SharedQueueEngine(segment, name, 0);
    }

    /// <summary>Maps a host's segment as member <paramref name="slot"/>, checking that it is the queue the contract describes.</summary>
    /// <exception cref="ProtocolException">The segment is not a queue segment of this layout, contract or capacity.</exception>
    public static SharedQueueEngine OpenMember(string path, int slot, string name, int capacity, bool redeliver, ulong fingerprint)
    {
        if (slot <= 0 || slot >= MemberSlots)
            throw new ProtocolException($"Queue '{name}': the host gave member slot {slot}; slots run from 1 to {MemberSlots - 1}.");
        var segment = SharedSegment.Open(path, HeaderBytes);
        try
        {
            byte* b = segment.Pointer;
            long arena = *(long*)(b + ArenaBytesOffset);
            long held = *(long*)(b + HeldBytesOffset);
            bool valid = *(int*)(b + MagicOffset) == Magic && *(int*)(b + VersionOffset) == LayoutVersion
                && *(int*)(b + MemberSlotsOffset) == MemberSlots
                && arena >= MinimumArenaBytes && arena <= MaximumArenaBytes && (arena & (arena - 1)) == 0
                && held == (redeliver ? arena / HeldArenaDivisor : 0)
                && segment.Length >= TotalBytes(arena, held);
            if (!valid)
                throw new ProtocolException($"Queue '{name}': '{path}' is not a queue segment of this version.");
            if (*(ulong*)(b + FingerprintOffset) != fingerprint || *(int*)(b + CapacityOffset) != capacity
                || ((*(int*)(b + FlagsOffset) & FlagRedeliver) != 0) != redeliver)
                throw new ProtocolException($"Queue '{name}': segment '{path}' belongs to another contract, capacity or redelivery mode.");
            return new SharedQueueEngine(segment, name, slot);
        }
        catch
        {
            segment.Dispose();
            throw;
        }
    }

    /// <summary>The largest byte space: keeps the item count below 2^23, so 24-bit sequences compare safely.</summary>
    public const long MaximumArenaBytes = 128L * 1024 * 1024;

    public bool TryPut(ReadOnlySpan<byte> item)
    {
        if (item.Length > MaxItemBytes)
            ThrowTooLarge(item.Length);
        Enter();
        bool put, closed = false;
        try
        {
            LockShared();
            try
            {
                if (Volatile.Read(ref *_closed) != 0)
                {
                    closed = true;
                    put = false;
                }
                else
                {
                    put = Append(item, Sequence(*_tail), respectCapacity: true);
                }
            }
            finally
            {
                SharedLock.Exit(_lock);
            }
            if (put)
                _notEmpty.Notify();
        }
        finally
        {
            _segment.Release();
        }
        if (closed)
            QueueThrow.Closed(Name, null);
        return put;
    }

    public bool TryGet(ref byte[] buffer, out int length)
    {
        Enter();
        bool got = false, heldFull = false;
        length = 0;
        int corrupt = 0;
        try
        {
            LockShared();
            try
            {
                long head = *_head;
                long tail = Volatile.Read(ref *_tail);
                if (Sequence(tail) != Sequence(head))
                {
                    long position = Position(head);
                    long offset = (position * 8) & (_arenaBytes - 1);
                    int itemBytes = *(int*)(_arena + offset);
                    if (itemBytes == PaddingLength)
                    {
                        position += (_arenaBytes - offset) / 8;
                        offset = 0;
                        itemBytes = *(int*)_arena;
                    }
                    if ((uint)itemBytes > (uint)MaxItemBytes)
                    {
                        corrupt = itemBytes;
                    }
                    else
                    {
                        if (buffer.Length < itemBytes)
                        {
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = ArrayPool<byte>.Shared.Rent(itemBytes);
                        }
                        byte* record = _arena + offset;
                        new ReadOnlySpan<byte>(record + RecordHeaderBytes, itemBytes).CopyTo(buffer);
                        if (_redeliver && !Hold(_member, _held, record, itemBytes, Sequence(head)))
                        {
                            heldFull = true;
                        }
                        else
                        {
                            // The item leaves the queue here, with this one store.
                            Volatile.Write(ref *_head, Pack(position + RecordBytes(itemBytes) / 8, Sequence(head) + 1));
                            Interlocked.Increment(ref *(int*)(_member + MemberGotOffset));
                            got = true;
                            length = itemBytes;
                        }
                    }
                }
            }
            finally
            {
                SharedLock.Exit(_lock);
            }
            if (got)
                _notFull.Notify();
        }
        finally
        {
            _segment.Release();
        }
        if (corrupt != 0)
            throw new ProtocolException($"Queue '{Name}': the record at the head announces {corrupt} bytes; the segment is corrupt.");
        if (heldFull)
            throw new InvalidOperationException($"Queue '{Name}' redelivers: this process holds {_heldBytes} bytes of items got and not settled; call TaskDone() for them before getting more.");
        return got;
    }

    public void TaskDone()
    {
        Enter();
        try
        {
            LockShared();
            try
            {
                Settle(SettleStop.Never);
            }
            finally
            {
                SharedLock.Exit(_lock);
            }
            if (Unfinished == 0)
                _joined.Notify();
        }
        finally
        {
            _segment.Release();
        }
    }

    /// <summary>Where <see cref="Settle"/> stops as if its process were killed there (tests of the host's repair).</summary>
    internal enum SettleStop
    {
        Never,
        BeforeCountingDone,
        AfterCountingDone,
    }

    /// <summary>
    /// Tests only: a TaskDone whose process is killed at <paramref name="stop"/>: it keeps the lock and leaves the
    /// segment exactly as a process killed at that instruction leaves it.
    /// </summary>
    internal void TaskDoneKilledAt(SettleStop stop)
    {
        LockShared();
        Settle(stop);
    }

    // Under the lock. TaskDone changes three words (the member's got count, its held ring's head, the done counter),
    // so it writes a journal first: a process killed at any instruction in here leaves the lock naming it and the
    // journal set, and the host's repair undoes what the done counter does not show (see RollBackSettle). Only lock
    // holders change the done counter, which is what makes that counter the evidence.
    private void Settle(SettleStop stop)
    {
        int* got = (int*)(_member + MemberGotOffset);
        int current = *got;
        if (current <= 0)
            QueueThrow.TooManyTaskDone(Name);
        long* heldHead = (long*)(_member + MemberHeldHeadOffset);
        *(int*)(_member + MemberSettlingGotOffset) = current;
        *(long*)(_member + MemberSettlingHeldHeadOffset) = *heldHead;
        *(int*)(_member + MemberSettlingDoneOffset) = Volatile.Read(ref *_done);
        Volatile.Write(ref *(int*)(_member + MemberSettlingOffset), 1);
        Volatile.Write(ref *got, current - 1);
        if (_redeliver)
            DropOldestHeld(_member, _held);
        if (stop == SettleStop.BeforeCountingDone)
            return;
        Interlocked.Increment(ref *_done);
        if (stop == SettleStop.AfterCountingDone)
            return;
        Volatile.Write(ref *(int*)(_member + MemberSettlingOffset), 0);
    }

    // Under the lock, taken over from the dead member: a TaskDone it died inside either counted its item done (then
    // it happened whole) or did not (then its got count and held ring are put back as they were: the item is still
    // unsettled, and is put back or settled below like any other).
    private void RollBackSettle(byte* member)
    {
        int* settling = (int*)(member + MemberSettlingOffset);
        if (Volatile.Read(ref *settling) == 0)
            return;
        if (Volatile.Read(ref *_done) == *(int*)(member + MemberSettlingDoneOffset))
        {
            Volatile.Write(ref *(int*)(member + MemberGotOffset), *(int*)(member + MemberSettlingGotOffset));
            Volatile.Write(ref *(long*)(member + MemberHeldHeadOffset), *(long*)(member + MemberSettlingHeldHeadOffset));
        }
        Volatile.Write(ref *settling, 0);
    }

    public bool Close()
    {
        Enter();
        try
        {
            bool first = Interlocked.Exchange(ref *_closed, 1) == 0;
            WakeEveryone();
            return first;
        }
        finally
        {
            _segment.Release();
        }
    }

    public int PrepareWait(QueueCondition condition)
    {
        Enter();
        try
        {
            return Signal(condition).Prepare();
        }
        finally
        {
            _segment.Release();
        }
    }

    public bool Holds(QueueCondition condition, int itemBytes)
    {
        if (_failure is not null || IsClosed && condition != QueueCondition.Joined)
            return true;
        switch (condition)
        {
            case QueueCondition.NotEmpty:
                return Count > 0;
            case QueueCondition.NotFull:
                long head = Volatile.Read(ref *_head);
                long tail = Volatile.Read(ref *_tail);
                return HasRoom(head, tail, RecordBytes(itemBytes), respectCapacity: true);
            default:
                return Unfinished == 0;
        }
    }

    public bool Sleep(QueueCondition condition, int token, int timeoutMs)
    {
        Enter();
        try
        {
            return Signal(condition).Sleep(token, timeoutMs);
        }
        finally
        {
            _segment.Release();
        }
    }

    public void EndWait(QueueCondition condition)
    {
        if (!_segment.TryAcquire())
            return;
        Signal(condition).Done();
        _segment.Release();
    }

    public void Wake(QueueCondition condition)
    {
        if (!_segment.TryAcquire())
            return;
        Signal(condition).WakeAll();
        _segment.Release();
    }

    public void ThrowIfFailed()
    {
        if (_failure is { } failure)
            ThrowFailure(failure);
    }

    /// <summary>Makes every later operation throw <paramref name="failure"/> and wakes every waiter of this process.</summary>
    public void Fail(Exception failure)
    {
        if (_failure is not null)
            return;
        _failure = failure;
        if (!_segment.TryAcquire())
            return;
        WakeEveryone();
        _segment.Release();
    }

    /// <summary>
    /// Host only: member <paramref name="slot"/> is gone. Breaks the lock if it died holding it, puts back the items
    /// it held (redelivery queue) or settles them (plain queue, so that Join does not wait for them forever), and
    /// frees the slot's record. Waits for room in the ring when the queue is full. Returns how many items were put
    /// back and how many were settled for the member.
    /// </summary>
    public (int PutBack, int Settled) Repair(int slot)
    {
        Debug.Assert(_owner == 1, "only the host repairs");
        if (!_segment.TryAcquire())
            return default;
        int putBack = 0;
        try
        {
            byte* member = MemberEntry(slot);
            if (SharedLock.TryTakeOver(_lock, slot + 1, _owner))
            {
                RollBackSettle(member);
                SharedLock.Exit(_lock);
            }
            int settled = 0;
            try
            {
                if (_redeliver)
                    putBack = PutBackHeld(member, HeldRing(slot));
                // Under the lock: only lock holders change the done counter (see Settle).
                LockShared();
                try
                {
                    int got = Interlocked.Exchange(ref *(int*)(member + MemberGotOffset), 0);
                    settled = !_redeliver && got > 0 ? got : 0;
                    if (settled > 0)
                        Interlocked.Add(ref *_done, settled);
                    Volatile.Write(ref *(long*)(member + MemberHeldHeadOffset), 0);
                    Volatile.Write(ref *(long*)(member + MemberHeldTailOffset), 0);
                    Volatile.Write(ref *(int*)(member + MemberSettlingOffset), 0);
                }
                finally
                {
                    SharedLock.Exit(_lock);
                }
            }
            catch (ObjectDisposedException)
            {
                return default; // The host itself is closing: the queue goes with it.
            }
            WakeEveryone();
            return (putBack, settled);
        }
        finally
        {
            _segment.Release();
        }
    }

    /// <summary>Host: prepares slot <paramref name="slot"/> for a new member.</summary>
    public void ResetSlot(int slot)
    {
        if (!_segment.TryAcquire())
            return;
        byte* member = MemberEntry(slot);
        Volatile.Write(ref *(int*)(member + MemberGotOffset), 0);
        Volatile.Write(ref *(long*)(member + MemberHeldHeadOffset), 0);
        Volatile.Write(ref *(long*)(member + MemberHeldTailOffset), 0);
        Volatile.Write(ref *(int*)(member + MemberSettlingOffset), 0);
        _segment.Release();
    }

    /// <summary>Fails later operations with <see cref="ObjectDisposedException"/>, wakes waiters, and unmaps (and, on the host, deletes) the segment once no operation uses it.</summary>
    public void Dispose()
    {
        Fail(new ObjectDisposedException(Name, $"Queue '{Name}' was disposed in this process."));
        _segment.Dispose();
    }

    private int PutBackHeld(byte* member, byte* held)
    {
        long* heldHead = (long*)(member + MemberHeldHeadOffset);
        long* heldTail = (long*)(member + MemberHeldTailOffset);
        int putBack = 0;
        while (true)
        {
            bool retry = false;
            LockShared();
            try
            {
                long head = Volatile.Read(ref *heldHead);
                long tail = Volatile.Read(ref *heldTail);
                if (head == tail)
                    return putBack;
                byte* record = HeldRecord(held, ref head);
                int itemBytes = *(int*)record;
                int sequence = *(int*)(record + 4);
                long next = head + RecordBytes(itemBytes);
                // Only the newest record can be of a get that never committed (the member died inside TryGet):
                // then the item is still in the queue and must not be put back.
                int passed = (Sequence(*_head) - sequence) & SequenceMask;
                bool inQueue = next == tail && (passed == 0 || passed >= 1 << 23);
                if ((uint)itemBytes > (uint)MaxItemBytes || inQueue)
                {
                    Volatile.Write(ref *heldHead, next);
                }
                else if (Append(new ReadOnlySpan<byte>(record + RecordHeaderBytes, itemBytes), Sequence(*_tail), respectCapacity: false))
                {
                    Volatile.Write(ref *heldHead, next);
                    // The put-back counts as a put; the item was unsettled already, so settle the extra count.
                    Interlocked.Increment(ref *_done);
                    putBack++;
                }
                else
                {
                    retry = true;
                }
            }
            finally
            {
                SharedLock.Exit(_lock);
            }
            _notEmpty.Notify();
            if (retry)
            {
                ThrowIfFailed();
                Thread.Sleep(RepairRetryMs);
            }
        }
    }

    // Under the lock. Writes the record and commits it with the tail store.
    private bool Append(ReadOnlySpan<byte> item, int tailSequence, bool respectCapacity)
    {
        long tail = *_tail;
        long head = Volatile.Read(ref *_head);
        long recordBytes = RecordBytes(item.Length);
        if (!HasRoom(head, tail, recordBytes, respectCapacity))
            return false;
        long offset = (Position(tail) * 8) & (_arenaBytes - 1);
        long contiguous = _arenaBytes - offset;
        long padding = recordBytes > contiguous ? contiguous : 0;
        if (padding != 0)
        {
            *(int*)(_arena + offset) = PaddingLength;
            offset = 0;
        }
        byte* record = _arena + offset;
        *(int*)record = item.Length;
        *(int*)(record + 4) = tailSequence;
        item.CopyTo(new Span<byte>(record + RecordHeaderBytes, item.Length));
        Volatile.Write(ref *_tail, Pack(Position(tail) + (padding + recordBytes) / 8, tailSequence + 1));
        return true;
    }

    private bool HasRoom(long head, long tail, long recordBytes, bool respectCapacity)
    {
        int count = (Sequence(tail) - Sequence(head)) & SequenceMask;
        if (respectCapacity && Capacity > 0 && count >= Capacity)
            return false;
        long used = ((Position(tail) - Position(head)) & PositionMask) * 8;
        long offset = (Position(tail) * 8) & (_arenaBytes - 1);
        long contiguous = _arenaBytes - offset;
        long padding = recordBytes > contiguous ? contiguous : 0;
        return used + padding + recordBytes <= _arenaBytes;
    }

    // Under the lock: records the item in this member's held ring before the get commits.
    private bool Hold(byte* member, byte* held, byte* record, int itemBytes, int sequence)
    {
        long* heldHead = (long*)(member + MemberHeldHeadOffset);
        long* heldTail = (long*)(member + MemberHeldTailOffset);
        long head = Volatile.Read(ref *heldHead);
        long tail = *heldTail;
        long recordBytes = RecordBytes(itemBytes);
        long offset = tail & (_heldBytes - 1);
        long contiguous = _heldBytes - offset;
        long padding = recordBytes > contiguous ? contiguous : 0;
        if (tail - head + padding + recordBytes > _heldBytes)
            return false;
        if (padding != 0)
        {
            *(int*)(held + offset) = PaddingLength;
            offset = 0;
        }
        byte* copy = held + offset;
        *(int*)copy = itemBytes;
        *(int*)(copy + 4) = sequence;
        Buffer.MemoryCopy(record + RecordHeaderBytes, copy + RecordHeaderBytes, itemBytes, itemBytes);
        Volatile.Write(ref *heldTail, tail + padding + recordBytes);
        return true;
    }

    private void DropOldestHeld(byte* member, byte* held)
    {
        long* heldHead = (long*)(member + MemberHeldHeadOffset);
        long head = Volatile.Read(ref *heldHead);
        if (head == Volatile.Read(ref *(long*)(member + MemberHeldTailOffset)))
            return;
        byte* record = HeldRecord(held, ref head);
        Volatile.Write(ref *heldHead, head + RecordBytes(*(int*)record));
    }

    // The record at held position `head`, skipping a padding record (and moving `head` past it).
    private byte* HeldRecord(byte* held, ref long head)
    {
        long offset = head & (_heldBytes - 1);
        if (*(int*)(held + offset) == PaddingLength)
        {
            head += _heldBytes - offset;
            offset = 0;
        }
        return held + offset;
    }

    private byte* MemberEntry(int slot) => _segment.Pointer + MembersOffset + slot * MemberEntryBytes;

    private byte* HeldRing(int slot) => _segment.Pointer + HeldArenasOffset + slot * _heldBytes;

    private SharedSignal Signal(QueueCondition condition) => condition switch
    {
        QueueCondition.NotEmpty => _notEmpty,
        QueueCondition.NotFull => _notFull,
        _ => _joined,
    };

    private void WakeEveryone()
    {
        _notEmpty.WakeAll();
        _notFull.WakeAll();
        _joined.WakeAll();
        Futex.Wake(_lock);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Enter()
    {
        if (!_segment.TryAcquire())
            ThrowFailure(_failure ?? new ObjectDisposedException(Name));
        if (_failure is { } failure)
        {
            _segment.Release();
            ThrowFailure(failure);
        }
    }

    private void LockShared()
    {
        while (!SharedLock.Enter(_lock, _owner, LockSliceMs))
            ThrowIfFailed();
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowFailure(Exception failure) => throw failure switch
    {
        PeerLostException lost => new PeerLostException(lost.Message, lost.ExitCode, lost),
        ObjectDisposedException disposed => new ObjectDisposedException(disposed.ObjectName, disposed.Message),
        _ => new ChannelClosedException(failure.Message, failure),
    };

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowTooLarge(int itemBytes)
        => throw new ArgumentException($"An item of {itemBytes} encoded bytes is larger than queue '{Name}' takes ({MaxItemBytes} bytes, a quarter of its byte space; raise ChannelOptions.QueueBytes in the hosting process).", "item");
}
