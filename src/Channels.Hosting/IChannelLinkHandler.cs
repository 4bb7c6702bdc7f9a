namespace Channels.Hosting;

/// <summary>
/// Serves one accepted link of a listener registered with
/// <see cref="ChannelsServiceCollectionExtensions.AddChannelListener{TLink, THandler}"/>. A handler is resolved in a
/// dependency-injection scope of its own for each link, so it can take scoped services.
/// </summary>
/// <typeparam name="TLink">The contract interface: the listener's view of the link.</typeparam>
public interface IChannelLinkHandler<in TLink> where TLink : class, IAsyncDisposable
{
    /// <summary>
    /// Serves <paramref name="link"/> until the peer completes or the host stops. When this returns (or throws) the host
    /// disposes the link, which completes its writers, and then the scope.
    /// </summary>
    /// <param name="link">The accepted link, after the contract check and authentication.</param>
    /// <param name="cancellationToken">Fires when the host stops.</param>
    Task HandleAsync(TLink link, CancellationToken cancellationToken);
}
