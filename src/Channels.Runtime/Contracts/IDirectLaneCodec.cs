namespace Channels.Contracts;

/// <summary>
/// A lane codec that encodes straight into a span whose size it bounds first, for message types whose encoding it
/// writes itself instead of calling MemoryPack (records of strings and unmanaged values). A link then encodes each
/// message into its send buffer with no writer or serializer state in between; the bytes are MemoryPack's, so a
/// peer that decodes through MemoryPack reads them unchanged. The generator implements it where it applies.
/// </summary>
/// <typeparam name="T">The lane's message type.</typeparam>
public interface IDirectLaneCodec<T> : ISpanLaneCodec<T>
{
    /// <summary>
    /// Whether the codec writes the encoding itself; false when the application registered its own MemoryPack
    /// formatter for <typeparamref name="T"/> (see <see cref="MemoryPackFormatterCheck"/>): its other members then go
    /// through that formatter, and <see cref="GetMaxEncodedSize"/> and <see cref="Encode(Span{byte}, in T)"/> must not
    /// be used.
    /// </summary>
    bool EncodesDirectly { get; }

    /// <summary>The most bytes <see cref="Encode(Span{byte}, in T)"/> writes for <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">The encoding of <paramref name="value"/> would exceed 2 GiB.</exception>
    int GetMaxEncodedSize(in T value);

    /// <summary>
    /// Encodes <paramref name="value"/> at the start of <paramref name="destination"/>, which holds at least
    /// <see cref="GetMaxEncodedSize"/> bytes; returns how many it wrote.
    /// </summary>
    int Encode(Span<byte> destination, in T value);
}
