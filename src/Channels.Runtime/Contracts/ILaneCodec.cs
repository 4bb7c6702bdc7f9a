using System.Buffers;

namespace Channels.Contracts;

/// <summary>
/// Encodes and decodes the messages of one lane. The generator implements it for every message type of a
/// contract, writing MemoryPack straight into the link's pooled buffer; the runtime knows message types only
/// through this interface.
/// </summary>
/// <typeparam name="T">The lane's message type.</typeparam>
public interface ILaneCodec<T>
{
    /// <summary>Appends the encoding of <paramref name="value"/> to <paramref name="output"/>.</summary>
    void Encode(IBufferWriter<byte> output, in T value);

    /// <summary>Decodes one message that occupies all of <paramref name="payload"/>.</summary>
    /// <exception cref="ProtocolException">The payload is not a valid encoding of <typeparamref name="T"/>.</exception>
    T Decode(in ReadOnlySequence<byte> payload);
}
