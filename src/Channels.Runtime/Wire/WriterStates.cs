using System.Runtime.CompilerServices;
using MemoryPack;

namespace Channels.Wire;

/// <summary>
/// One MemoryPack writer state per thread for <see cref="PackableEncoder{T}"/>, prepared and reset around each message
/// as <c>MemoryPackSerializer.Serialize</c> does with its own (the state tracks references for circular-reference
/// types, so it must start empty for every message).
/// </summary>
/// <remarks>
/// Preparing a state for reuse is internal to MemoryPack (<c>Init</c>, which renting from its pool calls); it is reached
/// through an <see cref="UnsafeAccessorAttribute"/>. Should a MemoryPack version lack it, <see cref="IsAvailable"/> is
/// false and links encode through the codec as before.
/// </remarks>
internal static class WriterStates
{
    [ThreadStatic]
    private static MemoryPackWriterOptionalState? t_idle;

    /// <summary>Whether states can be prepared for reuse with this MemoryPack.</summary>
    public static readonly bool IsAvailable = Probe();

    /// <summary>A state ready for one message; give it back with <see cref="Return"/>.</summary>
    public static MemoryPackWriterOptionalState Rent()
    {
        MemoryPackWriterOptionalState? state = t_idle;
        if (state is null)
            return MemoryPackWriterOptionalStatePool.Rent(null);
        // Taken out while in use: an encoding that encodes another message on this thread gets a state of its own.
        t_idle = null;
        Init(state, null);
        return state;
    }

    /// <summary>Resets <paramref name="state"/> and keeps it for the thread's next message.</summary>
    public static void Return(MemoryPackWriterOptionalState state)
    {
        state.Reset();
        t_idle = state;
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
