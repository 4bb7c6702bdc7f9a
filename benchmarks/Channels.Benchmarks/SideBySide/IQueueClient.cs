using Channels.Benchmarks.Messages;

namespace Channels.Benchmarks.SideBySide;

/// <summary>One process's handle on a shared queue.</summary>
public interface IQueueClient : IAsyncDisposable
{
    /// <summary>Puts one item, waiting while the queue is full.</summary>
    ValueTask PutAsync(SmallRecord item, CancellationToken cancellationToken);

    /// <summary>Takes one item, waiting while the queue is empty.</summary>
    ValueTask<SmallRecord> GetAsync(CancellationToken cancellationToken);
}
