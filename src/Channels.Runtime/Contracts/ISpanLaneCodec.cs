namespace Channels.Contracts;

/// <summary>
/// A lane codec that also decodes from one contiguous span. A link receives each frame into one contiguous buffer,
/// so the runtime decodes with this overload when the codec offers it: no <see cref="System.Buffers.ReadOnlySequence{T}"/>
/// is built per message. The generator implements it for every message type of a contract.
/// </summary>
/// <typeparam name="T">The lane's message type.</typeparam>
public interface ISpanLaneCodec<T> : ILaneCodec<T>
{
    /// <summary>Decodes one message that occupies all of <paramref name="payload"/>.</summary>
    /// <exception cref="ProtocolException">The payload is not a valid encoding of <typeparamref name="T"/>.</exception>
    T Decode(ReadOnlySpan<byte> payload);
}
