using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Channels.Lanes;

/// <summary>
/// The encodings of received messages waiting to be read, one after another in a byte ring: the receive loop appends
/// them (one producer), the reader that holds its lane's consumer side decodes them in order (one consumer at a time).
/// Positions only grow, and a byte sits at its position modulo the ring's size, so an entry may wrap around the end
/// (the consumer then decodes it from a copy) and a larger ring is a copy of the live bytes to their new places, which
/// the consumer never has to know about.
/// </summary>
/// <remarks>
/// Why not decode on arrival: a reader that lags holds a window of decoded messages, which outlive the collector's
/// youngest generation and are copied by every collection while they wait (measured over a socket: 5-10 ms of pause
/// in each round of a million small records that took 70-150 ms). Encodings are plain bytes; messages decoded as they
/// are read die young.
/// </remarks>
[DebuggerDisplay("{Count} bytes of {_bytes.Length}")]
internal sealed class EncodedRing
{
    private const int InitialSize = 4 * 1024;

    private readonly int _limit;
    // Replaced (by the producer) only with a larger copy holding every live byte; a consumer reading the old one
    // still finds its entry there.
    private byte[] _bytes;
    // The producer's position; the consumer's, published as it frees bytes. Cache lines apart (see RingPositions).
    private Positions _positions;
    // The consumer's copy of an entry that wraps around the end of the ring.
    private byte[]? _scratch;

    /// <param name="limit">The most bytes the ring grows to (rounded up to a power of two).</param>
    public EncodedRing(int limit)
    {
        _limit = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(InitialSize, limit));
        _bytes = GC.AllocateUninitializedArray<byte>(Math.Min(InitialSize, _limit));
    }

    /// <summary>Bytes appended and not yet freed (a snapshot).</summary>
    public long Count => Volatile.Read(ref _positions.Tail) - Volatile.Read(ref _positions.Head);

    /// <summary>
    /// The producer: appends <paramref name="encoded"/>, growing the ring up to its limit; false (nothing appended)
    /// when it would not fit even then.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryAppend(ReadOnlySpan<byte> encoded)
    {
        byte[] bytes = _bytes;
        long tail = _positions.Tail;
        if (tail + encoded.Length - _positions.CachedHead > bytes.Length)
        {
            _positions.CachedHead = Volatile.Read(ref _positions.Head);
            if (tail + encoded.Length - _positions.CachedHead > bytes.Length)
            {
                if (!TryGrow(tail, encoded.Length))
                    return false;
                bytes = _bytes;
            }
        }
        int index = (int)tail & (bytes.Length - 1);
        int first = Math.Min(encoded.Length, bytes.Length - index);
        ref byte start = ref MemoryMarshal.GetArrayDataReference(bytes);
        Unsafe.CopyBlockUnaligned(ref Unsafe.Add(ref start, index), ref MemoryMarshal.GetReference(encoded), (uint)first);
        if (first < encoded.Length)
            Unsafe.CopyBlockUnaligned(ref start, ref Unsafe.Add(ref MemoryMarshal.GetReference(encoded), first), (uint)(encoded.Length - first));
        // Published by the lane's own release store of its slot tail, after which the consumer looks for the entry.
        _positions.Tail = tail + encoded.Length;
        return true;
    }

    /// <summary>
    /// The consumer: the next entry's bytes, which stay valid until <see cref="Release"/>. <paramref name="length"/> is
    /// the entry's length as appended.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Peek(int length)
    {
        byte[] bytes = Volatile.Read(ref _bytes);
        int index = (int)_positions.Head & (bytes.Length - 1);
        if (bytes.Length - index >= length)
            return new ReadOnlySpan<byte>(bytes, index, length);
        return Unwrap(bytes, index, length);
    }

    /// <summary>The consumer: frees the entry <see cref="Peek"/> returned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Release(int length) => Volatile.Write(ref _positions.Head, _positions.Head + length);

    private ReadOnlySpan<byte> Unwrap(byte[] bytes, int index, int length)
    {
        byte[] scratch = _scratch is { } existing && existing.Length >= length ? existing : _scratch = new byte[length];
        int first = bytes.Length - index;
        bytes.AsSpan(index, first).CopyTo(scratch);
        bytes.AsSpan(0, length - first).CopyTo(scratch.AsSpan(first));
        return new ReadOnlySpan<byte>(scratch, 0, length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryGrow(long tail, int length)
    {
        byte[] bytes = _bytes;
        long head = _positions.CachedHead;
        long needed = tail + length - head;
        if (needed > _limit)
            return false;
        int size = bytes.Length;
        while (size < needed)
            size *= 2;
        byte[] grown = GC.AllocateUninitializedArray<byte>(size);
        // Every live byte to its place in the larger ring (bytes the consumer frees meanwhile are copied for nothing).
        for (long position = head; position < tail;)
        {
            int from = (int)position & (bytes.Length - 1);
            int to = (int)position & (size - 1);
            int run = (int)Math.Min(tail - position, Math.Min(bytes.Length - from, size - to));
            bytes.AsSpan(from, run).CopyTo(grown.AsSpan(to));
            position += run;
        }
        Volatile.Write(ref _bytes, grown);
        return true;
    }

    [StructLayout(LayoutKind.Explicit, Size = 5 * 64)]
    private struct Positions
    {
        [FieldOffset(64)] public long Tail;
        [FieldOffset(72)] public long CachedHead;
        [FieldOffset(192)] public long Head;
    }
}
