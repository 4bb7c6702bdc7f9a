using System.Buffers;
using System.Buffers.Binary;
using Channels.Contracts;

namespace Channels.Queues;

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
