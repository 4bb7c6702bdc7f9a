using System.Buffers.Binary;

namespace Channels.Transports.SharedMemory;

/// <summary>
/// The layout of one single-producer single-consumer byte ring in shared memory: a header of control words, each
/// alone on its own pair of cache lines (so the producer's and the consumer's stores never invalidate each other's
/// lines, and the adjacent-line prefetcher does not pair them), then the data area.
/// <code>
///   0  u32 magic "CHRG" | u32 version | u32 capacity
/// 128  i64 head            consumer position: everything before it is free again (written by the consumer only)
/// 256  i32 reader parked   1 while the consumer sleeps on it (futex word)
/// 384  i32 writer parked   1 while the producer sleeps on it waiting for room (futex word)
/// 512  data[capacity]      records
/// </code>
/// A record is <c>i32 length | i32 type | payload</c>, aligned to 8 bytes. The producer writes the type and the
/// payload, then publishes the length with a release store: a length of 0 means "nothing here yet", so a consumer
/// never sees half a record. The consumer zeroes what it consumed before it moves the head, so that the next lap
/// finds zero lengths again. The tail (producer position) lives only in the producer's process.
/// </summary>
internal static class RingLayout
{
    /// <summary>Bytes between control words: two cache lines.</summary>
    private const int LinePair = 128;

    /// <summary>Offset of the consumer position.</summary>
    public const int HeadOffset = LinePair;

    /// <summary>Offset of the consumer's futex word.</summary>
    public const int ReaderParkedOffset = 2 * LinePair;

    /// <summary>Offset of the producer's futex word.</summary>
    public const int WriterParkedOffset = 3 * LinePair;

    /// <summary>Size of the header before the data area.</summary>
    public const int HeaderSize = 4 * LinePair;

    /// <summary>Size of a record's length and type words.</summary>
    public const int RecordHeaderSize = 8;

    /// <summary>Records start at multiples of this.</summary>
    public const int Alignment = 8;

    /// <summary>Smallest data area.</summary>
    public const int MinimumCapacity = 1024;

    /// <summary>Largest data area (positions stay far from overflow and lengths fit an i32).</summary>
    public const int MaximumCapacity = 1 << 30;

    private const uint Magic = 0x47524843; // "CHRG" little endian
    private const uint Version = 1;

    /// <summary>The bytes a ring of <paramref name="capacity"/> data bytes occupies.</summary>
    public static int RegionSize(int capacity) => HeaderSize + capacity;

    /// <summary>A record's footprint in the ring: header and payload, rounded up to the alignment.</summary>
    public static int Footprint(int payloadLength) => (RecordHeaderSize + payloadLength + Alignment - 1) & ~(Alignment - 1);

    /// <summary>Whether <paramref name="capacity"/> is a power of two within the limits.</summary>
    public static bool IsValidCapacity(int capacity)
        => capacity >= MinimumCapacity && capacity <= MaximumCapacity && (capacity & (capacity - 1)) == 0;

    /// <summary>Writes an empty ring's header into zeroed memory.</summary>
    public static void Initialize(Span<byte> region, int capacity)
    {
        if (!IsValidCapacity(capacity))
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"A ring's capacity must be a power of two from {MinimumCapacity} to {MaximumCapacity} bytes.");
        if (region.Length < RegionSize(capacity))
            throw new ArgumentException($"A ring of {capacity} bytes needs a region of {RegionSize(capacity)} bytes; this one has {region.Length}.", nameof(region));
        region.Slice(0, RegionSize(capacity)).Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(region, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(region.Slice(4), Version);
        BinaryPrimitives.WriteInt32LittleEndian(region.Slice(8), capacity);
    }

    /// <summary>Checks a ring's header written by the other process and returns its capacity.</summary>
    /// <exception cref="ProtocolException">The region does not hold a ring of this version that fits in it.</exception>
    public static int ReadCapacity(ReadOnlySpan<byte> region)
    {
        if (region.Length < HeaderSize)
            throw new ProtocolException($"A shared-memory region of {region.Length} bytes is too small for a ring header ({HeaderSize} bytes).");
        if (BinaryPrimitives.ReadUInt32LittleEndian(region) != Magic)
            throw new ProtocolException("The shared-memory region does not start with a Channels ring header.");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(region.Slice(4));
        if (version != Version)
            throw new ProtocolException($"The shared-memory ring has version {version}; this side speaks {Version}.");
        int capacity = BinaryPrimitives.ReadInt32LittleEndian(region.Slice(8));
        if (!IsValidCapacity(capacity) || RegionSize(capacity) > region.Length)
            throw new ProtocolException($"The shared-memory ring announces a capacity of {capacity} bytes, which is not a power of two from {MinimumCapacity} bytes that fits its {region.Length}-byte region.");
        return capacity;
    }
}
