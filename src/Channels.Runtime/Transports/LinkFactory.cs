using Channels.Contracts;

namespace Channels;

// INTERFACE SKETCH (owned by the runtime-core work): replace the bodies.
internal static class LinkFactory
{
    public static (TOpener, TPeer) CreatePipe<TOpener, TPeer>(LinkContract<TOpener, TPeer> contract, ChannelOptions options)
        where TOpener : class, IAsyncDisposable where TPeer : class, IAsyncDisposable
        => throw new NotImplementedException();

    public static ChannelListener<TOpener> Listen<TOpener, TPeer>(LinkContract<TOpener, TPeer> contract, string endpoint, ChannelOptions options)
        where TOpener : class, IAsyncDisposable where TPeer : class, IAsyncDisposable
        => throw new NotImplementedException();

    public static ValueTask<TPeer> ConnectAsync<TOpener, TPeer>(LinkContract<TOpener, TPeer> contract, string endpoint, ChannelOptions options, CancellationToken cancellationToken)
        where TOpener : class, IAsyncDisposable where TPeer : class, IAsyncDisposable
        => throw new NotImplementedException();
}
