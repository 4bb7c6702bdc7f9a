namespace Channels.Benchmarks.SideBySide;

/// <summary>A connected pair: the parent's sender and the control path to the receiving end.</summary>
public sealed class PairConnection(IPairSender sender, IPeerControl peer) : IAsyncDisposable
{
    /// <summary>The parent's sending end.</summary>
    public IPairSender Sender { get; } = sender;

    /// <summary>The control path to the receiving end.</summary>
    public IPeerControl Peer { get; } = peer;

    /// <summary>Closes the sender, then stops the receiving end (killing a child process that does not quit).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Sender.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            await Peer.DisposeAsync().ConfigureAwait(false);
        }
    }
}
