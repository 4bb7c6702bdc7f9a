using Channels.Benchmarks.Messages;
using Channels.Benchmarks.SideBySide;

namespace Channels.Benchmarks.Systems.ChannelsLink;

/// <summary>Channels <see cref="ProcessQueue{T}"/>: this process hosts <see cref="IBenchBoard"/>, children open it by name.</summary>
public sealed class ChannelsQueueSystem : QueueSystem
{
    /// <inheritdoc/>
    public override string Id => "channels-queue";

    /// <inheritdoc/>
    public override string DisplayName => SystemNames.ChannelsQueue;

    /// <inheritdoc/>
    public override Task<IAsyncDisposable> HostAsync(string name, CancellationToken cancellationToken)
        => Task.FromResult<IAsyncDisposable>(IBenchBoard.Create(name));

    /// <inheritdoc/>
    public override async Task<IQueueClient> OpenAsync(string name, CancellationToken cancellationToken)
        => new Client(await IBenchBoard.OpenAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false));

    private sealed class Client(IBenchBoard board) : IQueueClient
    {
        public ValueTask PutAsync(SmallRecord item, CancellationToken cancellationToken) => board.Items.Writer.WriteAsync(item, cancellationToken);

        public ValueTask<SmallRecord> GetAsync(CancellationToken cancellationToken) => board.Items.Reader.ReadAsync(cancellationToken);

        public ValueTask DisposeAsync() => board.DisposeAsync();
    }
}
