using Channels.Benchmarks.SideBySide;

namespace Channels.Benchmarks.Systems.HandWritten;

/// <summary>
/// The baseline: a Unix domain socket, MemoryPack, and manual batching into one pooled buffer per <c>send()</c>,
/// with blocking calls on one thread per side. No framework, no flow control, no async: the practical limit of
/// sockets that Channels is measured against.
/// </summary>
public sealed class HandWrittenSystem : ProcessPairSystem
{
    /// <inheritdoc/>
    public override string Id => "handwritten";

    /// <inheritdoc/>
    public override string DisplayName => SystemNames.HandWritten;

    /// <inheritdoc/>
    protected override Task<Func<CancellationToken, Task<IPairSender>>> ListenAsync(string socketPath, CancellationToken cancellationToken)
        => Task.FromResult(UnixSockets.ListenOnce(socketPath, static socket => new HandWrittenSender(socket)));

    /// <inheritdoc/>
    public override async Task<IPairReceiver> ConnectChildAsync(string address, CancellationToken cancellationToken)
        => new HandWrittenReceiver(await UnixSockets.ConnectAsync(address, cancellationToken).ConfigureAwait(false));
}
