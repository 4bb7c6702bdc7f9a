using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Channels.Contracts;

namespace Channels.Queues;

/// <summary>What the host tells a member that joined: its member slot and the segment file of each lane.</summary>
/// <param name="Slot">The member's slot in every segment's member table (1 and up; 0 is the host).</param>
/// <param name="Segments">The segment file of each lane, in lane order.</param>
internal sealed record QueueWelcome(int Slot, string[] Segments);

/// <summary>
/// Encodes a <see cref="QueueWelcome"/>: <c>i32 slot | u16 count | count × (u16 length | UTF-8 path)</c>, little
/// endian. Decoding checks every length against what is left before using it.
/// </summary>
internal sealed class QueueWelcomeCodec : ILaneCodec<QueueWelcome>
{
    public const int MaxPathBytes = 4096;

    public static readonly QueueWelcomeCodec Instance = new();

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public void Encode(IBufferWriter<byte> output, in QueueWelcome value)
    {
        Span<byte> head = output.GetSpan(6);
        BinaryPrimitives.WriteInt32LittleEndian(head, value.Slot);
        BinaryPrimitives.WriteUInt16LittleEndian(head[4..], checked((ushort)value.Segments.Length));
        output.Advance(6);
        foreach (string path in value.Segments)
        {
            int length = Encoding.UTF8.GetByteCount(path);
            if (length > MaxPathBytes)
                throw new ArgumentException($"Segment path '{path}' is longer than {MaxPathBytes} bytes.", nameof(value));
            Span<byte> span = output.GetSpan(2 + length);
            BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)length);
            Encoding.UTF8.GetBytes(path, span[2..]);
            output.Advance(2 + length);
        }
    }

    public QueueWelcome Decode(in ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        if (!reader.TryReadLittleEndian(out int slot) || !reader.TryReadLittleEndian(out short rawCount))
            throw Bad("is shorter than its header");
        int count = (ushort)rawCount;
        if (count > reader.Remaining / 2)
            throw Bad($"announces {count} segments in {reader.Remaining} bytes");
        var segments = new string[count];
        for (int i = 0; i < count; i++)
        {
            if (!reader.TryReadLittleEndian(out short rawLength))
                throw Bad("ends inside a segment length");
            int length = (ushort)rawLength;
            if (length == 0 || length > MaxPathBytes || length > reader.Remaining)
                throw Bad($"announces a segment path of {length} bytes with {reader.Remaining} left");
            ReadOnlySequence<byte> bytes = reader.UnreadSequence.Slice(0, length);
            reader.Advance(length);
            string path;
            try
            {
                path = StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException ex)
            {
                throw new ProtocolException("The queue host's welcome has a segment path that is not UTF-8.", ex);
            }
            if (!Path.IsPathFullyQualified(path) || path.Contains('\0'))
                throw Bad($"names segment '{path}', not an absolute path");
            segments[i] = path;
        }
        if (reader.Remaining != 0)
            throw Bad($"has {reader.Remaining} bytes after its last segment");
        return new QueueWelcome(slot, segments);
    }

    private static ProtocolException Bad(string what) => new($"The queue host's welcome {what}.");
}

/// <summary>Encodes the member's one message to the host: its process id (for messages), 4 bytes little endian.</summary>
internal sealed class QueueMemberCodec : ILaneCodec<int>
{
    public static readonly QueueMemberCodec Instance = new();

    public void Encode(IBufferWriter<byte> output, in int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    public int Decode(in ReadOnlySequence<byte> payload)
    {
        if (payload.Length != 4)
            throw new ProtocolException($"A queue member's hello has {payload.Length} bytes; 4 expected.");
        Span<byte> bytes = stackalloc byte[4];
        payload.CopyTo(bytes);
        return BinaryPrimitives.ReadInt32LittleEndian(bytes);
    }
}
