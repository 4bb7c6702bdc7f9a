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

    /// <summary>The most bytes nats-server reads from a client at once (its read buffer's largest size).</summary>
    public const int ServerReadSize = 64 * 1024;

    // "PUB ", the space before the size, the size (at most 5 digits here), the CRLF after the line and the payload's.
    private const int PublishProtocolBytes = 4 + 1 + 5 + 2 + 2;

    // A body is never smaller than this, whatever the subject (a subject is far shorter: the server refuses
    // protocol lines over 4 KiB by default).
    private const int MinBodySize = 4 * 1024;

    private const ulong FramesFlag = 1UL << 63;

    /// <summary>
    /// The most bytes of frames or handshake one message to <paramref name="subject"/> carries: the whole publish as
    /// the server reads it (its protocol line, the header and the body) fits in one <see cref="ServerReadSize"/> read.
    /// A message the server cannot take in one read it gathers across reads first: links sending 64 KiB bodies cost
    /// the server about 1.5× the CPU per record of links whose messages fit, and moved 0.76–0.94× their records per
    /// second (five interleaved pairs).
    /// </summary>
    public static int MaxBodySizeFor(string subject)
        => Math.Max(MinBodySize, ServerReadSize - PublishProtocolBytes - System.Text.Encoding.UTF8.GetByteCount(subject) - HeaderSize);

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
