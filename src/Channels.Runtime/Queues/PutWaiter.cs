namespace Channels.Queues;

/// <summary>A put that waits for room, carrying its item until room is granted.</summary>
internal sealed class PutWaiter<T>(T item) : QueueWaiter<bool>
{
    public T Item { get; } = item;
}
