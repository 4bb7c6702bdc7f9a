using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Channels.Queues;

/// <summary>Throw helpers that keep the hot queue methods small.</summary>
internal static class QueueThrow
{
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void Closed(string queue, Exception? error)
        => throw new ChannelClosedException($"Queue '{queue}' is closed; no more items can be put.", error);

    /// <summary>What a get sees once the queue is closed and every item got.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ChannelClosedException Drained(string queue)
        => new($"Queue '{queue}' is closed and drained; there is nothing more to get.");

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void TooManyTaskDone(string queue)
        => throw new InvalidOperationException($"TaskDone() on queue '{queue}' was called more times than this process got items from it.");

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static QueueFullException Full(string queue, int capacity)
        => new($"Queue '{queue}' (capacity {capacity}) stayed full until the put timed out.");

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static QueueEmptyException Empty(string queue)
        => new($"Queue '{queue}' stayed empty until the get timed out.");
}
