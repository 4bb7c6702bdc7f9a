using System.Threading.Channels;

namespace Channels.Queues;

/// <summary>The <see cref="ChannelWriter{T}"/> face of a <see cref="ProcessQueue{T}"/>: writes are puts; completing closes the queue for every process.</summary>
internal sealed class ProcessQueueWriter<T>(QueueLane<T> lane) : ChannelWriter<T>
{
    public override bool TryWrite(T item)
    {
        try
        {
            return lane.TryPut(item);
        }
        catch (ChannelClosedException)
        {
            // ChannelWriter.TryWrite reports a completed channel by returning false.
            return false;
        }
    }

    public override ValueTask WriteAsync(T item, CancellationToken cancellationToken = default)
        => lane.PutAsync(item, QueueWaits.Infinite, cancellationToken);

    public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default)
        => lane.WaitToWriteAsync(cancellationToken);

    public override bool TryComplete(Exception? error = null) => lane.TryComplete(error);
}
