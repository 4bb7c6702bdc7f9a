using MemoryPack;

namespace Channels.Contracts;

/// <summary>
/// What a child process was handed by its parent: the endpoint to connect to, the serialized argument and the
/// cancellation token that fires when the parent goes away. Generated entry invokers use it.
/// </summary>
public sealed class ChildEntryContext
{
    private readonly ChildStartInfo _info;

    internal ChildEntryContext(ChildStartInfo info, CancellationToken cancellationToken)
    {
        _info = info;
        CancellationToken = cancellationToken;
    }

    /// <summary>The entry's name.</summary>
    public string EntryName => _info.EntryName;

    /// <summary>Cancelled when the parent process exits or disposes the child's handle.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Connects the peer end of the link the parent handed over.</summary>
    /// <exception cref="InvalidOperationException">The parent handed over a queue contract, not the peer end of a link.</exception>
    public ValueTask<TPeer> ConnectPeerAsync<TOpener, TPeer>(LinkContract<TOpener, TPeer> contract)
        where TOpener : class, IAsyncDisposable
        where TPeer : class, IAsyncDisposable
    {
        ArgumentNullException.ThrowIfNull(contract);
        if (_info.Kind != ChildEndpointKind.Link)
            throw new InvalidOperationException($"Child entry '{EntryName}' expects the peer end of '{contract.Descriptor.Name}', but the parent handed over a queue contract.");
        return contract.ConnectAsync(_info.Endpoint, _info.LinkOptions, CancellationToken);
    }

    /// <summary>Opens the queue contract the parent handed over.</summary>
    /// <exception cref="InvalidOperationException">The parent handed over the end of a link, not a queue contract.</exception>
    public ValueTask<TContract> OpenQueueAsync<TContract>(QueueContract<TContract> contract)
        where TContract : class, IAsyncDisposable
    {
        ArgumentNullException.ThrowIfNull(contract);
        if (_info.Kind != ChildEndpointKind.Queue)
            throw new InvalidOperationException($"Child entry '{EntryName}' expects queue contract '{contract.Descriptor.Name}', but the parent handed over the end of a link.");
        return contract.OpenAsync(_info.Endpoint, _info.LinkOptions, CancellationToken);
    }

    /// <summary>
    /// Faults every writer of <paramref name="endpoint"/> with <paramref name="error"/>, the exception that escaped
    /// the entry: the parent's readers then end with <see cref="System.Threading.Channels.ChannelClosedException"/>
    /// whose inner exception is a <see cref="RemoteException"/> (type, message, stack), never with a normal
    /// completion that would make partial results look complete. Generated entry wrappers call it before disposing
    /// the endpoint. A queue contract has no writers of its own; it is left as it is.
    /// </summary>
    public void FaultWriters(IAsyncDisposable endpoint, Exception error)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(error);
        if (endpoint is IChannelEndpoint link)
            link.Link.FaultWriters(error);
    }

    /// <summary>Deserializes the argument the parent passed to <see cref="ChildProcess"/>'s <c>StartAsync</c>.</summary>
    /// <exception cref="InvalidOperationException">The parent passed no argument, or it does not decode as <typeparamref name="T"/>.</exception>
    public T GetArgument<T>()
    {
        if (_info.Argument is null)
            throw new InvalidOperationException($"Child entry '{EntryName}' takes an argument of type {typeof(T)}, but the parent passed none.");
        try
        {
            return MemoryPackSerializer.Deserialize<T>(_info.Argument)!;
        }
        catch (MemoryPackSerializationException ex)
        {
            throw new InvalidOperationException($"The argument of child entry '{EntryName}' does not decode as {typeof(T)}: {ex.Message}", ex);
        }
    }
}
