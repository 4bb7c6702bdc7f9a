using Channels.Contracts;
using MemoryPack;

namespace Channels.Wire;

/// <summary>
/// The call of a <c>[MemoryPackable]</c> type's own generated <c>Serialize</c>, bound once per message type: a virtual
/// call on this object, where MemoryPack's formatter path makes a generic virtual call per message.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
internal abstract class PackableCalls<T>
{
    /// <summary>Writes <paramref name="value"/> as the type's Serialize does.</summary>
    public abstract void Write(ref MemoryPackWriter<OutputBufferWriter> writer, in T value);

    /// <summary>
    /// The call for <typeparamref name="T"/>, or null when it does not implement <c>IMemoryPackable</c>, when a
    /// program registered another formatter for it (MemoryPack would use that one), or when MemoryPack's states
    /// cannot be reused.
    /// </summary>
    public static PackableCalls<T>? Create()
    {
        if (!WriterStates.IsAvailable || !typeof(IMemoryPackable<T>).IsAssignableFrom(typeof(T)))
            return null;
        try
        {
            if (!MemoryPackFormatterCheck.UsesGeneratedFormatter<T>())
                return null;
            return (PackableCalls<T>?)Activator.CreateInstance(typeof(PackableCallsOf<>).MakeGenericType(typeof(T)));
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or InvalidOperationException or MemoryPackSerializationException)
        {
            return null;
        }
    }
}

/// <summary>The call of <see cref="PackableCalls{T}"/> for a type known to implement <c>IMemoryPackable</c>.</summary>
/// <typeparam name="T">The message type.</typeparam>
internal sealed class PackableCallsOf<T> : PackableCalls<T>
    where T : IMemoryPackable<T>
{
    public override void Write(ref MemoryPackWriter<OutputBufferWriter> writer, in T value) => writer.WritePackable(in value);
}
