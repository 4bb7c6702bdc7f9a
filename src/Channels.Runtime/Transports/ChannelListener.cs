namespace Channels;

// INTERFACE SKETCH (owned by the runtime-core work): public members fixed, bodies to write.

/// <summary>Accepts peers of a link contract at a named endpoint (Python's <c>multiprocessing.connection.Listener</c>).</summary>
/// <typeparam name="TOpener">The contract interface: each accepted link is seen through it.</typeparam>
public sealed class ChannelListener<TOpener> : IAsyncDisposable where TOpener : class, IAsyncDisposable
{
    internal ChannelListener() { }

    /// <summary>The endpoint as resolved (<c>unix:/...</c>).</summary>
    public string Endpoint => throw new NotImplementedException();

    /// <summary>Waits for the next peer that passes the contract check and authentication.</summary>
    public ValueTask<TOpener> AcceptAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Accepts peers until the listener is disposed or <paramref name="cancellationToken"/> is cancelled.</summary>
    public IAsyncEnumerable<TOpener> AcceptAllAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Stops listening and removes the socket and key files.</summary>
    public ValueTask DisposeAsync() => throw new NotImplementedException();
}
