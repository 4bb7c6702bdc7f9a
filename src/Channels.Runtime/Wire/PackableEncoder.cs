using MemoryPack;
using MemoryPack.Formatters;

namespace Channels.Wire;

/// <summary>
/// Encodes a <c>[MemoryPackable]</c> message straight into an <see cref="OutputBuffer"/>: MemoryPack's writer made for
/// <see cref="OutputBufferWriter"/>, and the type's own generated <c>Serialize</c> called directly. The bytes are
/// those of <c>MemoryPackSerializer.Serialize</c>; what is saved is dispatch, not work: no interface call per buffer
/// request and no generic virtual call per message (about a quarter of a small record's encoding).
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
internal static class PackableEncoder<T>
{
    private static readonly Write? s_write = Create();

    private delegate void Write(ref MemoryPackWriter<OutputBufferWriter> writer, in T value);

    /// <summary>
    /// Whether <typeparamref name="T"/> implements <c>IMemoryPackable</c> and MemoryPack encodes it with that
    /// implementation (no formatter registered in its place), and writer states can be reused.
    /// </summary>
    public static bool IsAvailable => s_write is not null;

    /// <summary>Appends the encoding of <paramref name="value"/>; only when <see cref="IsAvailable"/>.</summary>
    public static void Encode(OutputBuffer buffer, in T value)
    {
        MemoryPackWriterOptionalState state = WriterStates.Rent();
        try
        {
            var output = new OutputBufferWriter(buffer);
            var writer = new MemoryPackWriter<OutputBufferWriter>(ref output, state);
            s_write!(ref writer, in value);
            writer.Flush();
        }
        finally
        {
            WriterStates.Return(state);
        }
    }

    private static Write? Create()
    {
        if (!WriterStates.IsAvailable || !typeof(IMemoryPackable<T>).IsAssignableFrom(typeof(T)))
            return null;
        try
        {
            // A formatter a program registered for the type replaces the type's own Serialize: keep going through it.
            if (RegisteredFormatter() != typeof(MemoryPackableFormatter<>).MakeGenericType(typeof(T)))
                return null;
            return typeof(PackableWrites).GetMethod(nameof(PackableWrites.WritePackable))!.MakeGenericMethod(typeof(T)).CreateDelegate<Write>();
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or InvalidOperationException or MemoryPackSerializationException)
        {
            return null;
        }
    }

    // MemoryPack's provider answers through a reader or writer; a reader of nothing asks it.
    private static Type RegisteredFormatter()
    {
        using var reader = new MemoryPackReader(ReadOnlySpan<byte>.Empty, MemoryPackReaderOptionalStatePool.Rent(null));
        return reader.GetFormatter<T>().GetType();
    }
}

/// <summary>The constrained call <see cref="PackableEncoder{T}"/> binds to once per message type.</summary>
internal static class PackableWrites
{
    public static void WritePackable<T>(ref MemoryPackWriter<OutputBufferWriter> writer, in T value)
        where T : IMemoryPackable<T>
        => writer.WritePackable(in value);
}
