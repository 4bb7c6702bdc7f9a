using System.Runtime.CompilerServices;
using MemoryPack;

namespace Channels.Wire;

/// <summary>
/// One MemoryPack writer state per thread for <see cref="PackableEncoder{T}"/>, prepared and reset around each message
/// as <c>MemoryPackSerializer.Serialize</c> does with its own (it tracks references for circular-reference types, so
/// it must start empty for every message).
/// </summary>
/// <remarks>
/// Preparing a state for reuse is internal to MemoryPack (<c>Init</c>, which renting from its pools calls); it is
/// reached through <see cref="UnsafeAccessorAttribute"/>. Should a MemoryPack version lack it, <see cref="IsAvailable"/>
/// is false and links go through their codecs as before. A thread's state is marked in use rather than taken out, so
/// that renting and returning store no reference (no write barrier per message); an encoding that starts another on
/// the same thread gets a state from MemoryPack's pool.
/// </remarks>
internal static class WriterStates
{
    [ThreadStatic]
    private static MemoryPackWriterOptionalState? t_state;
    [ThreadStatic]
    private static bool t_inUse;

    /// <summary>Whether states can be prepared for reuse with this MemoryPack.</summary>
    public static readonly bool IsAvailable = Probe();

    /// <summary>A state ready for one message; give it back with <see cref="Return"/>.</summary>
    public static MemoryPackWriterOptionalState Rent()
    {
        if (t_inUse)
            return MemoryPackWriterOptionalStatePool.Rent(null);
        t_inUse = true;
        MemoryPackWriterOptionalState? state = t_state;
        if (state is null)
            return t_state = MemoryPackWriterOptionalStatePool.Rent(null);
        Init(state, null);
        return state;
    }

    /// <summary>Resets <paramref name="state"/>; the thread's own is kept for its next message.</summary>
    public static void Return(MemoryPackWriterOptionalState state)
    {
        state.Reset();
        if (state == t_state)
            t_inUse = false;
    }

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "Init")]
    private static extern void Init(MemoryPackWriterOptionalState state, MemoryPackSerializerOptions? options);

    private static bool Probe()
    {
        MemoryPackWriterOptionalState state = MemoryPackWriterOptionalStatePool.Rent(null);
        try
        {
            state.Reset();
            Init(state, null);
            return state.Options is not null;
        }
        catch (MissingMethodException)
        {
            return false;
        }
    }
}
