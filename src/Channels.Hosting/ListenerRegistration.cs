namespace Channels.Hosting;

/// <summary>One listener the host starts and stops; see <see cref="ListenerRegistration{TLink, THandler}"/>.</summary>
internal abstract class ListenerRegistration
{
    /// <summary>Starts listening and accepting; a failure (endpoint taken, bad options) fails the host's start.</summary>
    public abstract void Start(IServiceProvider services);

    /// <summary>Stops accepting new links and removes the endpoint; links already accepted go on.</summary>
    public abstract Task StopAcceptingAsync();

    /// <summary>Tells the handlers that the host stops and waits until every link is complete (or <paramref name="cancellationToken"/>, the host's shutdown timeout, fires).</summary>
    public abstract Task DrainAsync(CancellationToken cancellationToken);
}
