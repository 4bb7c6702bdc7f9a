using System.Buffers.Binary;

namespace Channels.Wire;

/// <summary>
/// The frame layout <c>u32 length | u16 lane | u8 kind | payload</c>, little endian, where <c>length</c> counts
/// the lane, kind and payload bytes (not itself), so a frame occupies <c>4 + length</c> bytes.
/// </summary>
internal static class FrameLayout
{
    /// <summary>Size of the length field.</summary>
    public const int LengthFieldSize = 4;

    /// <summary>Size of the whole header: length, lane and kind.</summary>
    public const int HeaderSize = 7;

    /// <summary>What the length field counts besides the payload (lane and kind).</summary>
    public const int LengthOverhead = 3;

    /// <summary>The lane number of frames that concern the whole link (Ping, Close).</summary>
    public const ushort LinkLane = ushort.MaxValue;

    /// <summary>Size of a Credit payload: <c>u32 messages | u32 bytes</c>.</summary>
    public const int CreditPayloadSize = 8;

    /// <summary>Size of the length prefix of each entry of a Batch payload.</summary>
    public const int BatchEntryPrefixSize = 4;

    /// <summary>
    /// The payload bytes a frame must have for its receiver to be offered the rest of it straight into an array of its
    /// own (<see cref="Transports.IFrameReceiver.LargeFrameDestination"/>), and the size from which a lane writer gives
    /// a byte array a Batch frame of its own: below it, one more copy costs less than one more system call.
    /// </summary>
    public const int LargeFrameBytes = 16 * 1024;

    /// <summary>
    /// The payload bytes of a large frame its receiver sees before it names a destination for the rest: the Batch
    /// entry's length prefix and MemoryPack's <c>i32</c> element count of a byte array.
    /// </summary>
    public const int LargeFrameHeadSize = BatchEntryPrefixSize + sizeof(int);

    /// <summary>The smallest maximum frame size a side may announce.</summary>
    public const int MinimumMaxFrameSize = 64;

    /// <summary>Writes a header for a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static void WriteHeader(Span<byte> destination, int payloadLength, ushort lane, FrameKind kind)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)(payloadLength + LengthOverhead));
        BinaryPrimitives.WriteUInt16LittleEndian(destination.Slice(LengthFieldSize), lane);
        destination[6] = (byte)kind;
    }

    /// <summary>
    /// Writes one Batch entry of an unmanaged message at <paramref name="entry"/>: its little-endian <c>u32</c> length,
    /// then its raw bytes (what an <see cref="Contracts.IRawLaneCodec{T}"/> writes). The caller reserved
    /// <see cref="BatchEntryPrefixSize"/> plus the message's size.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static void WriteRawEntry<T>(ref byte entry, in T item)
    {
        uint size = (uint)System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        System.Runtime.CompilerServices.Unsafe.WriteUnaligned(ref entry, BitConverter.IsLittleEndian ? size : BinaryPrimitives.ReverseEndianness(size));
        System.Runtime.CompilerServices.Unsafe.WriteUnaligned(ref System.Runtime.CompilerServices.Unsafe.Add(ref entry, BatchEntryPrefixSize), item);
    }

    /// <summary>Whether frames of <paramref name="kind"/> belong to a lane (rather than to the link).</summary>
    public static bool IsLaneKind(FrameKind kind) => kind is not (FrameKind.Ping or FrameKind.Close);
}
