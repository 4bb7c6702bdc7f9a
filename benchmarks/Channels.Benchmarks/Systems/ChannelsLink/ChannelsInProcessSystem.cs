using Channels.Benchmarks.SideBySide;

namespace Channels.Benchmarks.Systems.ChannelsLink;

/// <summary>
/// Channels with both ends of <see cref="IBenchLink.CreatePipe"/> in this process: messages are handed across as
/// objects, without serialization. A reference for what the lanes themselves cost, not an IPC figure.
/// </summary>
public sealed class ChannelsInProcessSystem : PairSystem
{
    /// <inheritdoc/>
    public override string Id => "channels-inproc";

    /// <inheritdoc/>
    public override string DisplayName => SystemNames.ChannelsInProcess;

    /// <inheritdoc/>
    public override Task<PairConnection> ConnectAsync(string workDirectory, CancellationToken cancellationToken)
    {
        (IBenchLink opener, IBenchLink.Peer peer) = IBenchLink.CreatePipe();
        return Task.FromResult(new PairConnection(new ChannelsSender(opener), InProcessPeer.Start(new ChannelsReceiver(peer))));
    }

    /// <inheritdoc/>
    public override Task<IPairReceiver> ConnectChildAsync(string address, CancellationToken cancellationToken)
        => throw new NotSupportedException("the in-process system has no child process");
}
