using Channels.Benchmarks.Messages;
using Channels.Benchmarks.SideBySide;
using Channels.Benchmarks.Systems.Nats;

namespace Channels.Benchmarks.Systems.ChannelsLink;

/// <summary>
/// Channels <see cref="ProcessQueue{T}"/>: this process hosts <see cref="IBenchBoard"/>, children open it by name
/// with <paramref name="clientOptions"/> (one instance of this system per configuration worth comparing).
/// </summary>
/// <param name="id">The command-line id.</param>
/// <param name="displayName">The table name.</param>
/// <param name="clientOptions">The options producers and consumers open the queue with.</param>
/// <param name="optIn">Whether it runs only when named in <c>--systems</c>.</param>
/// <param name="overNats">Whether the queue lives on the runner's nats-server (JetStream engine, the JetStream case) instead of this machine.</param>
public sealed class ChannelsQueueSystem(string id, string displayName, ChannelOptions clientOptions, bool optIn = false, bool overNats = false) : QueueSystem
{
    /// <inheritdoc/>
    public override bool OptIn => optIn;

    /// <inheritdoc/>
    public override string Id => id;

    /// <inheritdoc/>
    public override string DisplayName => displayName;

    /// <inheritdoc/>
    public override string? Unavailable => overNats ? BenchNatsServer.Unavailable : null;

    /// <inheritdoc/>
    public override bool Supports(CaseKind kind) => overNats ? kind == CaseKind.QueueJetStream1P1C : base.Supports(kind);

    /// <inheritdoc/>
    public override Task<IAsyncDisposable> HostAsync(string name, CancellationToken cancellationToken)
        => Task.FromResult<IAsyncDisposable>(IBenchBoard.Create(Endpoint(name), clientOptions));

    /// <inheritdoc/>
    public override async Task<IQueueClient> OpenAsync(string name, CancellationToken cancellationToken)
        => new Client(await IBenchBoard.OpenAsync(Endpoint(name), clientOptions, cancellationToken).ConfigureAwait(false));

    private string Endpoint(string name) => overNats ? BenchNatsServer.Endpoint(name) : name;

    private sealed class Client(IBenchBoard board) : IQueueClient
    {
        public ValueTask PutAsync(SmallRecord item, CancellationToken cancellationToken) => board.Items.Writer.WriteAsync(item, cancellationToken);

        public ValueTask<SmallRecord> GetAsync(CancellationToken cancellationToken) => board.Items.Reader.ReadAsync(cancellationToken);

        public ValueTask DisposeAsync() => board.DisposeAsync();
    }
}
