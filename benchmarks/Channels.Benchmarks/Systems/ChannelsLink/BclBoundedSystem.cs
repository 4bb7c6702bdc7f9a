using System.Threading.Channels;
using Channels.Benchmarks.Messages;
using Channels.Benchmarks.SideBySide;

namespace Channels.Benchmarks.Systems.ChannelsLink;

/// <summary>
/// The yardstick for the in-process rows: <see cref="Channel.CreateBounded{T}(BoundedChannelOptions)"/> with
/// <c>SingleReader</c>/<c>SingleWriter</c> and the same capacity as a Channels lane window, driven by the same
/// sender and receiver loops as the Channels systems. Not IPC: what a lane costs at best inside one process.
/// </summary>
public sealed class BclBoundedSystem : PairSystem
{
    /// <inheritdoc/>
    public override string Id => "bcl-bounded";

    /// <inheritdoc/>
    public override string DisplayName => SystemNames.BclBounded;

    /// <inheritdoc/>
    public override Task<PairConnection> ConnectAsync(string workDirectory, CancellationToken cancellationToken)
    {
        Channel<SmallRecord> small = Create<SmallRecord>();
        Channel<Struct32> structs = Create<Struct32>();
        Channel<byte[]> bytes = Create<byte[]>();
        Channel<SmallRecord> ping = Create<SmallRecord>();
        Channel<SmallRecord> pong = Create<SmallRecord>();
        var nothing = new NothingToDispose();
        var sender = new ChannelsSender(new BenchLanes(small.Writer, structs.Writer, bytes.Writer, ping.Writer, pong.Reader, nothing));
        var receiver = new ChannelsReceiver(new BenchLanes.Reading(small.Reader, structs.Reader, bytes.Reader, ping.Reader, pong.Writer, nothing));
        return Task.FromResult(new PairConnection(sender, InProcessPeer.Start(receiver)));
    }

    /// <inheritdoc/>
    public override Task<IPairReceiver> ConnectChildAsync(string address, CancellationToken cancellationToken)
        => throw new NotSupportedException("the BCL channel system has no child process");

    private static Channel<T> Create<T>()
        => Channel.CreateBounded<T>(new BoundedChannelOptions(ChannelOptions.Default.LaneWindowMessages) { SingleReader = true, SingleWriter = true });

    private sealed class NothingToDispose : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => default;
    }
}
