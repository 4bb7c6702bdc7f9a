using System.Buffers;
using System.Buffers.Binary;
using NATS.Client.Core;

namespace Channels.Nats.Links;

/// <summary>
/// One NATS message of a link: a 64-bit little-endian header, then the body. The header's low 63 bits are the
/// message's sequence number (1, 2, … per direction, across both phases); its top bit says the body holds the link's
/// frames (set) or bytes of the handshake (clear). A message of the header alone marks the end of the direction.
/// </summary>
/// <param name="Header">The header, from <see cref="LinkMessage.MakeHeader"/>.</param>
/// <param name="Body">The bytes after it.</param>
internal readonly record struct LinkMessage(ulong Header, ReadOnlyMemory<byte> Body)
{
    /// <summary>Bytes of the header.</summary>
    public const int HeaderSize = sizeof(ulong);

    /// <summary>The most bytes of frames or handshake one message carries.</summary>
    public const int MaxBodySize = 64 * 1024;

    private const ulong FramesFlag = 1UL << 63;

    /// <summary>The header of message <paramref name="sequence"/>.</summary>
    public static ulong MakeHeader(ulong sequence, bool frames) => frames ? sequence | FramesFlag : sequence;

    /// <summary>Reads the header of a received message; false when it is too short to have one.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> message, out ulong sequence, out bool frames)
    {
        if (message.Length < HeaderSize)
        {
            sequence = 0;
            frames = false;
            return false;
        }
        ulong header = BinaryPrimitives.ReadUInt64LittleEndian(message);
        sequence = header & ~FramesFlag;
        frames = (header & FramesFlag) != 0;
        return true;
    }

    /// <summary>Writes a <see cref="LinkMessage"/> straight into NATS.Net's buffer: the body is copied once, by NATS.</summary>
    internal sealed class Serializer : INatsSerialize<LinkMessage>
    {
        public static readonly Serializer Instance = new();

        public void Serialize(IBufferWriter<byte> bufferWriter, LinkMessage value)
        {
            Span<byte> span = bufferWriter.GetSpan(HeaderSize + value.Body.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(span, value.Header);
            value.Body.Span.CopyTo(span.Slice(HeaderSize));
            bufferWriter.Advance(HeaderSize + value.Body.Length);
        }
    }
}
