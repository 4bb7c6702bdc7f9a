using System.Buffers;
using Channels.Contracts;
using MemoryPack;

namespace Channels.TestChild.Contracts;

/// <summary>The lane codec the generator emits, written by hand until the generator lands: MemoryPack straight into the link's buffer.</summary>
public sealed class MemoryPackLaneCodec<T> : ILaneCodec<T>
{
    public static readonly MemoryPackLaneCodec<T> Instance = new();

    public void Encode(IBufferWriter<byte> output, in T value) => MemoryPackSerializer.Serialize(output, value);

    public T Decode(in ReadOnlySequence<byte> payload)
    {
        T? value = default;
        try
        {
            int read = MemoryPackSerializer.Deserialize(payload, ref value);
            if (read != payload.Length)
                throw new ProtocolException($"A {typeof(T).Name} message used {read} of its {payload.Length} bytes.");
        }
        catch (MemoryPackSerializationException ex)
        {
            throw new ProtocolException($"A {typeof(T).Name} message does not decode: {ex.Message}", ex);
        }
        return value!;
    }
}
