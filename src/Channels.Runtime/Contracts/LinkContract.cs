using Channels.Diagnostics;

namespace Channels.Contracts;

/// <summary>
/// The runtime's view of a link contract, implemented by generated code (one sealed subclass per contract,
/// exposed as the contract's static <c>Definition</c>). It creates typed endpoints over a <see cref="ChannelLink"/>
/// and carries the operations that the generated static members forward to.
/// </summary>
/// <typeparam name="TOpener">The contract interface: the opener's view.</typeparam>
/// <typeparam name="TPeer">The generated nested <c>Peer</c> interface: readers and writers swapped.</typeparam>
public abstract class LinkContract<TOpener, TPeer>
    where TOpener : class, IAsyncDisposable
    where TPeer : class, IAsyncDisposable
{
    /// <summary>Creates the contract with its descriptor.</summary>
    protected LinkContract(ContractDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        Descriptor = descriptor;
    }

    /// <summary>The contract's name, fingerprint and lanes.</summary>
    public ContractDescriptor Descriptor { get; }

    /// <summary>Creates the opener's typed endpoint over <paramref name="link"/>.</summary>
    protected abstract TOpener CreateOpener(ChannelLink link);

    /// <summary>Creates the peer's typed endpoint over <paramref name="link"/>.</summary>
    protected abstract TPeer CreatePeer(ChannelLink link);

    // Plain protected (not protected internal) members, reached through these, so that generated overrides compile
    // the same in every assembly, including those the runtime grants its internals to.
    internal TOpener NewOpener(ChannelLink link) => CreateOpener(link);

    internal TPeer NewPeer(ChannelLink link) => CreatePeer(link);

    /// <summary>
    /// Creates both ends of one link, as Python's <c>Pipe()</c> does. Used within one process the two ends talk
    /// without serialization; the peer end can instead be handed to a child with
    /// <see cref="ChildProcess.StartAsync{TEndpoint}(TEndpoint, Func{TEndpoint, CancellationToken, Task}, ChildProcessOptions?, CancellationToken)"/>.
    /// </summary>
    public (TOpener Opener, TPeer Peer) CreatePipe(ChannelOptions? options = null) => LinkFactory.CreatePipe(this, options ?? ChannelOptions.Default);

    /// <summary>
    /// Listens at a named endpoint (<c>"worker-1"</c>, resolved in the per-user runtime directory, or
    /// <c>"unix:/path/to.sock"</c>) for peers that connect with <see cref="ConnectAsync"/>.
    /// </summary>
    public ChannelListener<TOpener> Listen(string endpoint, ChannelOptions? options = null)
    {
        options ??= ChannelOptions.Default;
        ChannelListener<TOpener> listener = LinkFactory.Listen(this, endpoint, options);
        if (ChannelsLog.For(options) is { } logger)
            ChannelsLog.ListenerStarted(logger, Descriptor.Name, listener.Endpoint);
        return listener;
    }

    /// <summary>Connects to a listener at a named endpoint; completes after the contract check and authentication.</summary>
    /// <exception cref="ContractMismatchException">The listener serves another contract or another shape of this one.</exception>
    /// <exception cref="AuthenticationFailedException">The key was refused.</exception>
    public async ValueTask<TPeer> ConnectAsync(string endpoint, ChannelOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= ChannelOptions.Default;
        TPeer peer;
        try
        {
            peer = await LinkFactory.ConnectAsync(this, endpoint, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not ArgumentException)
        {
            string errorType = ChannelsMeter.ErrorType(ex);
            ChannelsMeter.HandshakeFailed(Descriptor.Name, "peer", errorType);
            if (ChannelsLog.For(options) is { } failed)
                ChannelsLog.ConnectFailed(failed, ex, Descriptor.Name, endpoint, errorType);
            throw;
        }
        if (ChannelsLog.For(options) is { } logger)
            ChannelsLog.LinkConnected(logger, Descriptor.Name, endpoint);
        return peer;
    }
}
