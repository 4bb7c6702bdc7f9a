using System.Runtime.CompilerServices;
using Channels.Contracts;

namespace Channels.Lanes;

/// <summary>Whether a lane's writer and reader copy its messages themselves (<see cref="IRawLaneCodec{T}"/>).</summary>
internal static class RawCodec
{
    /// <summary>
    /// True when <paramref name="codec"/> says its encoding is the message's raw bytes and the message type holds no
    /// references (a hand-written raw codec for a managed type is still called, never bypassed).
    /// </summary>
    public static bool Applies<T>(ILaneCodec<T> codec)
        => codec is IRawLaneCodec<T> && !RuntimeHelpers.IsReferenceOrContainsReferences<T>();
}
