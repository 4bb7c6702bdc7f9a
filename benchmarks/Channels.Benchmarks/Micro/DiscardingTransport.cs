using Channels.Transports;
using Channels.Wire;

namespace Channels.Benchmarks.Micro;

/// <summary>
/// A link transport that takes every send whole and drops it, and hands its receiver to the benchmark, which delivers
/// frames itself: the lanes' own cost, with no kernel and no other process in the measurement.
/// </summary>
internal sealed class DiscardingTransport : ILinkTransport
{
    /// <summary>The link this transport was started for; frames handed to it are received as if they had arrived.</summary>
    public IFrameReceiver? Receiver { get; private set; }

    /// <inheritdoc/>
    public string Description => "discarding";

    /// <inheritdoc/>
    public void Start(IFrameReceiver receiver, int maxFrameSize, int laneCount) => Receiver = receiver;

    /// <inheritdoc/>
    public int TrySend(ReadOnlySpan<byte> frames) => frames.Length;

    /// <inheritdoc/>
    public ValueTask SendAsync(ReadOnlyMemory<byte> frames) => default;

    /// <inheritdoc/>
    public void Close()
    {
    }
}
