using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Channels.Lanes;

namespace Channels.Wire;

/// <summary>
/// A lane's staging ring: the thread that owns it appends Batch entries (length prefix, then the message's bytes)
/// without taking the link's send lock, and whoever holds that lock takes them out into frames
/// (<see cref="FrameOutbox"/>). One producer, one consumer at a time. A raw lane's entries all have its message's
/// size (<see cref="Append{T}"/>); an encoded lane's are what its codec wrote (<see cref="AppendEncoded"/>).
/// </summary>
/// <remarks>
/// <para>Ownership is what makes the producer single. A thread owns the stage once it wrote through the locked path
/// while nobody did; another thread that writes revokes it under the send lock (<see cref="Revoke"/>): it publishes
/// the new owner, runs a process-wide memory barrier and waits until the old owner is not inside an append. The
/// owner marks itself busy in its own <see cref="ThreadTicket"/>, then checks that it still owns the stage; those two
/// may pass each other on its core (a store, then a load), and the barrier makes both threads' stores visible, so
/// either the owner sees the revocation or the revoker sees it busy. The mark is the thread's, not the stage's: a
/// thread revoked long ago that marks itself, sees the change and unmarks itself never clears the mark of the owner
/// of the moment. The barrier costs microseconds, paid per change of owner, never per message.</para>
/// <para>A raw lane's entries all have one size and the ring's capacity is a multiple of it, so no entry wraps. An
/// encoded entry that does not fit before the ring's end starts at its beginning: the bytes it skips count as
/// appended, and hold <see cref="WrapMarker"/> in their first four when there are four.</para>
/// </remarks>
[DebuggerDisplay("Stage of lane {Lane}: owner {Owner}, {Unsent} bytes unsent")]
internal sealed class LaneStage
{
    /// <summary>The largest message an encoded lane stages; a larger one goes through the send lock (4 KiB).</summary>
    public const int MaxEncodedMessage = 4 * 1024;

    private const int TargetCapacity = 128 * 1024;

    // In the length prefix of an encoded stage's entry: the rest of the ring up to its end is skipped.
    private const uint WrapMarker = uint.MaxValue;

    private readonly byte[] _ring;
    private readonly int _capacity;
    // A thread's ticket, Nobody or Shared (several threads wrote: every write takes the send lock until one thread has
    // written enough in a row to own the stage again, see LaneWriter); written under the send lock, read by the owner
    // on every append.
    private ThreadTicket _owner = ThreadTicket.Nobody;
    private Positions _positions;

    // The owner's skip to the ring's start between BeginEncoded and EndEncoded, published with the entry after it.
    private int _pendingSkip;

    /// <param name="lane">The lane whose entries this holds.</param>
    /// <param name="entrySize">The size of one entry: the length prefix and the message.</param>
    public LaneStage(int lane, int entrySize)
    {
        Lane = lane;
        EntrySize = entrySize;
        _capacity = Math.Max(1, TargetCapacity / entrySize) * entrySize;
        _ring = GC.AllocateUninitializedArray<byte>(_capacity);
    }

    private LaneStage(int lane, int maxMessage, OutputBuffer scratch)
    {
        Lane = lane;
        MaxMessage = maxMessage;
        _capacity = TargetCapacity;
        _ring = GC.AllocateUninitializedArray<byte>(_capacity);
        Scratch = scratch;
    }

    /// <summary>A stage for an encoded lane's messages of up to <paramref name="maxMessage"/> bytes each.</summary>
    /// <remarks>
    /// Its scratch buffer is written only by the owner of the moment, inside TryEnter and Exit, and never disposed: a
    /// stage ends with its link, possibly while a writer encodes, and the array must not go back to the pool under it.
    /// </remarks>
    public static LaneStage ForEncoded(int lane, int maxMessage) => new(lane, maxMessage, new OutputBuffer());

    /// <summary>The lane.</summary>
    public int Lane { get; }

    /// <summary>The ring's size in bytes.</summary>
    public int Capacity => _capacity;

    /// <summary>The size of one entry in bytes; 0 for an encoded stage, whose entries vary.</summary>
    public int EntrySize { get; }

    // Encoded entries: their sizes vary, and the consumer walks their prefixes.
    private bool IsEncoded => EntrySize == 0;

    /// <summary>An encoded stage: the largest message it takes.</summary>
    public int MaxMessage { get; }

    /// <summary>An encoded stage: where the owner encodes a message before <see cref="AppendEncoded"/> copies it in.</summary>
    public OutputBuffer Scratch { get; } = null!;

    /// <summary>The owner thread's ticket, or <see cref="ThreadTicket.Nobody"/> or <see cref="ThreadTicket.Shared"/>.</summary>
    public ThreadTicket Owner => Volatile.Read(ref _owner);

    /// <summary>Whether a thread (rather than nobody, or everybody under the lock) owns the stage.</summary>
    public bool HasOwnerThread => Owner.IsThread;

    /// <summary>Bytes appended and not yet taken (a snapshot when read without the send lock).</summary>
    public long Unsent => Volatile.Read(ref _positions.Tail) - Volatile.Read(ref _positions.Head);

    /// <summary>All bytes ever appended: grows while the owner appends.</summary>
    public long Appended => Volatile.Read(ref _positions.Tail);

    /// <summary>What <see cref="Appended"/> was at the send loop's last barrier check before sleeping (the loop's, under the send lock).</summary>
    public long AppendedWhenLastIdle { get; set; }

    /// <summary>
    /// The owner's way in: marks the calling thread's <paramref name="ticket"/> busy and checks that it owns the stage;
    /// false (and not busy) when it does not. Every true is followed by <see cref="Exit"/> with the same ticket.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryEnter(ThreadTicket ticket)
    {
        if (Volatile.Read(ref _owner) != ticket)
            return false;
        int busy = ticket.Busy;
        Volatile.Write(ref ticket.Busy, busy + 1);
        if (Volatile.Read(ref _owner) == ticket)
            return true;
        Volatile.Write(ref ticket.Busy, busy);
        return false;
    }

    /// <summary>Leaves the append <see cref="TryEnter"/> began with <paramref name="ticket"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Exit(ThreadTicket ticket) => Volatile.Write(ref ticket.Busy, ticket.Busy - 1);

    /// <summary>The owner: whether one more entry fits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool HasRoom()
    {
        if (_positions.Tail + EntrySize - _positions.CachedHead <= _capacity)
            return true;
        _positions.CachedHead = Volatile.Read(ref _positions.Head);
        return _positions.Tail + EntrySize - _positions.CachedHead <= _capacity;
    }

    /// <summary>
    /// The owner: whether to offer its entries for sending now: at least <paramref name="bytes"/> wait to be taken
    /// (looking at the consumer's position only when its last known one says so), and it has appended an eighth of
    /// that since it last offered them. An offer the send path declines (the transport is full, the loop is sending)
    /// is thus made again after some more entries, not after every one: each offer takes the send lock.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsFlushDue(int bytes)
    {
        long tail = _positions.Tail;
        if (tail < _positions.NextFlushOffer || tail - _positions.CachedHead < bytes)
            return false;
        _positions.CachedHead = Volatile.Read(ref _positions.Head);
        if (tail - _positions.CachedHead < bytes)
            return false;
        _positions.NextFlushOffer = tail + bytes / 8;
        return true;
    }

    /// <summary>The owner, after <see cref="HasRoom"/>: writes one entry of <paramref name="item"/> and publishes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Append<T>(in T item)
    {
        int offset = _positions.TailOffset;
        FrameLayout.WriteRawEntry(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_ring), offset), in item);
        offset += EntrySize;
        _positions.TailOffset = offset == _capacity ? 0 : offset;
        Volatile.Write(ref _positions.Tail, _positions.Tail + EntrySize);
    }

    /// <summary>
    /// The owner of an encoded stage: whether an entry for a message of <paramref name="messageSize"/> bytes fits,
    /// counting the end of the ring it may have to skip.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool HasRoomFor(int messageSize)
    {
        int entry = FrameLayout.BatchEntryPrefixSize + messageSize;
        int toEnd = _capacity - _positions.TailOffset;
        long needed = _positions.Tail + (entry <= toEnd ? entry : toEnd + entry);
        if (needed - _positions.CachedHead <= _capacity)
            return true;
        _positions.CachedHead = Volatile.Read(ref _positions.Head);
        return needed - _positions.CachedHead <= _capacity;
    }

    /// <summary>
    /// The owner of an encoded stage, after <see cref="HasRoomFor"/>: writes one entry of <paramref name="message"/>
    /// (a prefix with its length, then its bytes) and publishes it.
    /// </summary>
    public void AppendEncoded(ReadOnlySpan<byte> message)
    {
        message.CopyTo(BeginEncoded(message.Length));
        EndEncoded(message.Length);
    }

    /// <summary>
    /// The owner of an encoded stage, after <see cref="HasRoomFor"/>(<paramref name="maxSize"/>): the space of an entry
    /// of up to <paramref name="maxSize"/> bytes, for the message to be encoded straight into; <see cref="EndEncoded"/>
    /// publishes it. Nothing is published in between: an entry that does not fit before the ring's end starts at its
    /// beginning, and the skip goes out with it.
    /// </summary>
    public Span<byte> BeginEncoded(int maxSize)
    {
        Debug.Assert(IsEncoded && maxSize <= MaxMessage && _pendingSkip == 0);
        int offset = _positions.TailOffset;
        int toEnd = _capacity - offset;
        if (FrameLayout.BatchEntryPrefixSize + maxSize > toEnd)
        {
            if (toEnd >= FrameLayout.BatchEntryPrefixSize)
                BinaryPrimitives.WriteUInt32LittleEndian(_ring.AsSpan(offset), WrapMarker);
            _pendingSkip = toEnd;
            _positions.TailOffset = offset = 0;
        }
        return _ring.AsSpan(offset + FrameLayout.BatchEntryPrefixSize, maxSize);
    }

    /// <summary>Gives up the entry <see cref="BeginEncoded"/> gave (its encoding failed): nothing of it is published.</summary>
    public void AbandonEncoded()
    {
        if (_pendingSkip != 0)
            _positions.TailOffset = _capacity - _pendingSkip;
        _pendingSkip = 0;
    }

    /// <summary>Publishes the entry <see cref="BeginEncoded"/> gave, holding the first <paramref name="size"/> bytes written there.</summary>
    public void EndEncoded(int size)
    {
        int offset = _positions.TailOffset;
        BinaryPrimitives.WriteUInt32LittleEndian(_ring.AsSpan(offset), (uint)size);
        int entry = FrameLayout.BatchEntryPrefixSize + size;
        offset += entry;
        _positions.TailOffset = offset == _capacity ? 0 : offset;
        long tail = _positions.Tail + _pendingSkip + entry;
        _pendingSkip = 0;
        Volatile.Write(ref _positions.Tail, tail);
    }

    /// <summary>
    /// Under the send lock: publishes <paramref name="owner"/> as the owner and returns once the previous owner thread
    /// (if any) can no longer append: it sees the change at its next <see cref="TryEnter"/>, and is not inside one now.
    /// </summary>
    public void Revoke(ThreadTicket owner)
    {
        ThreadTicket previous = Owner;
        Volatile.Write(ref _owner, owner);
        if (!previous.IsThread || previous == owner)
            return;
        Interlocked.MemoryBarrierProcessWide();
        // The previous owner may be inside a read or an append of another lane: that one ends as soon.
        SpinWait spin = default;
        while (Volatile.Read(ref previous.Busy) != 0)
            spin.SpinOnce(sleep1Threshold: -1);
    }

    /// <summary>
    /// Under the send lock: the oldest unsent entries in one contiguous run of at most <paramref name="maxBytes"/>
    /// (whole entries; at least one when any is unsent); empty when there are none. <see cref="Consume"/> frees them.
    /// </summary>
    public ReadOnlySpan<byte> Peek(int maxBytes)
    {
        long available = Volatile.Read(ref _positions.Tail) - _positions.Head;
        if (available == 0)
            return default;
        if (IsEncoded)
            return PeekEncoded(available, maxBytes);
        int run = (int)Math.Min(available, _capacity - _positions.HeadOffset);
        int whole = Math.Max(1, maxBytes / EntrySize) * EntrySize;
        return _ring.AsSpan(_positions.HeadOffset, Math.Min(run, whole));
    }

    // Walks the entries' prefixes from the head: those that fit in maxBytes (at least one), up to the ring's end or
    // the bytes an entry skipped there, which are freed first when the head has reached them.
    private ReadOnlySpan<byte> PeekEncoded(long available, int maxBytes)
    {
        if (IsSkippedAt(_positions.HeadOffset))
        {
            int skipped = _capacity - _positions.HeadOffset;
            Consume(skipped);
            // The skip was published together with the entry after it.
            available -= skipped;
        }
        int start = _positions.HeadOffset;
        int run = (int)Math.Min(available, _capacity - start);
        int length = 0;
        while (length < run && !IsSkippedAt(start + length))
        {
            int entry = FrameLayout.BatchEntryPrefixSize + (int)BinaryPrimitives.ReadUInt32LittleEndian(_ring.AsSpan(start + length));
            if (length > 0 && length + entry > maxBytes)
                break;
            length += entry;
        }
        return _ring.AsSpan(start, length);
    }

    private bool IsSkippedAt(int offset)
        => _capacity - offset < FrameLayout.BatchEntryPrefixSize
            || BinaryPrimitives.ReadUInt32LittleEndian(_ring.AsSpan(offset)) == WrapMarker;

    /// <summary>Under the send lock: frees the <paramref name="count"/> bytes <see cref="Peek"/> returned.</summary>
    public void Consume(int count)
    {
        int offset = _positions.HeadOffset + count;
        _positions.HeadOffset = offset == _capacity ? 0 : offset;
        Volatile.Write(ref _positions.Head, _positions.Head + count);
    }

    // The owner's fields and the consumer's on cache lines of their own (at least 64 bytes apart, however the struct
    // is aligned), so that the consumer taking entries does not make every append of the owner miss.
    [StructLayout(LayoutKind.Explicit, Size = 5 * 64)]
    private struct Positions
    {
        [FieldOffset(64)] public long Tail;
        [FieldOffset(72)] public long CachedHead;
        [FieldOffset(80)] public int TailOffset;
        [FieldOffset(88)] public long NextFlushOffer;
        [FieldOffset(192)] public long Head;
        [FieldOffset(200)] public int HeadOffset;
    }
}
