using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace Channels.Queues;

/// <summary>The <see cref="ChannelReader{T}"/> face of a <see cref="ProcessQueue{T}"/>: reads are gets, shared with every other consumer.</summary>
internal sealed class ProcessQueueReader<T>(QueueLane<T> lane) : ChannelReader<T>
{
    public override Task Completion => lane.Completion;

    public override bool CanCount => true;

    public override int Count => lane.Count;

    public override bool TryRead([MaybeNullWhen(false)] out T item) => lane.TryGet(out item);

    public override ValueTask<T> ReadAsync(CancellationToken cancellationToken = default)
        => lane.GetAsync(QueueWaits.Infinite, cancellationToken);

    public override IAsyncEnumerable<T> ReadAllAsync(CancellationToken cancellationToken = default)
        => lane.Engine is IRemoteQueueEngine ? lane.GetAllRemoteAsync(cancellationToken) : base.ReadAllAsync(cancellationToken);

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
        => lane.WaitToReadAsync(cancellationToken);
}
