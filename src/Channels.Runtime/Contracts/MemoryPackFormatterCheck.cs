using System.Reflection;
using MemoryPack;
using MemoryPack.Formatters;

namespace Channels.Contracts;

/// <summary>
/// Tells a generated <see cref="IDirectLaneCodec{T}"/> whether it may write MemoryPack's encoding of a type itself:
/// only while the type is serialized by the formatter MemoryPack (or Channels, for a plain type) generated for it. A
/// formatter the application registered for the type (before the type's first message) wins, and the codec then goes
/// through MemoryPack.
/// </summary>
public static class MemoryPackFormatterCheck
{
    /// <summary>
    /// Whether <typeparamref name="T"/>'s registered formatter is one Channels generated into
    /// <paramref name="generatedIn"/> (namespace <c>Channels.Generated</c>) for a plain message type.
    /// </summary>
    public static bool UsesChannelsFormatter<T>(Assembly generatedIn)
    {
        ArgumentNullException.ThrowIfNull(generatedIn);
        Type formatter = RegisteredFormatter<T>();
        return formatter.Assembly == generatedIn && formatter.Namespace == "Channels.Generated";
    }

    /// <summary>Whether <typeparamref name="T"/>'s registered formatter is the one MemoryPack generated.</summary>
    public static bool UsesGeneratedFormatter<T>() => RegisteredFormatter<T>() == typeof(MemoryPackableFormatter<>).MakeGenericType(typeof(T));

    // MemoryPack's provider answers through a reader or writer; a reader of nothing asks it.
    private static Type RegisteredFormatter<T>()
    {
        using var reader = new MemoryPackReader(ReadOnlySpan<byte>.Empty, MemoryPackReaderOptionalStatePool.Rent(null));
        return reader.GetFormatter<T>().GetType();
    }
}
