using System.Reflection;
using Channels.Contracts;

namespace Channels.Benchmarks.Micro;

/// <summary>
/// Finds the lane codecs that the generator emitted inside a contract (private nested classes with a static
/// <c>Instance</c>), by the interface they implement rather than by their generated names.
/// </summary>
public static class GeneratedCodecs
{
    /// <summary>The generated <see cref="ILaneCodec{T}"/> for <typeparamref name="T"/> inside <paramref name="contract"/>.</summary>
    public static ILaneCodec<T> Find<T>(Type contract)
    {
        foreach (Type nested in contract.GetNestedTypes(BindingFlags.NonPublic))
        {
            if (typeof(ILaneCodec<T>).IsAssignableFrom(nested)
                && nested.GetField("Instance", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is ILaneCodec<T> codec)
            {
                return codec;
            }
        }

        throw new InvalidOperationException($"{contract.FullName} has no generated codec for {typeof(T).FullName}");
    }
}
