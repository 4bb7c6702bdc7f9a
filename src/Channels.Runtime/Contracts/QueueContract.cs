namespace Channels.Contracts;

// INTERFACE SKETCH (owned by the queue work): members called by generated code are fixed
// (constructor, Descriptor, CreateEndpoint, Create, Open, OpenAsync); bodies to write.

/// <summary>
/// The runtime's view of a queue contract, implemented by generated code (one sealed subclass per contract,
/// exposed as the contract's static <c>Definition</c>).
/// </summary>
/// <typeparam name="TContract">The queue contract interface.</typeparam>
public abstract class QueueContract<TContract> where TContract : class, IAsyncDisposable
{
    /// <summary>Creates the contract with its descriptor (lanes carry their <see cref="LaneDescriptor.QueueCapacity"/>).</summary>
    protected QueueContract(ContractDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        Descriptor = descriptor;
    }

    /// <summary>The contract's name, fingerprint and lanes.</summary>
    public ContractDescriptor Descriptor { get; }

    /// <summary>Creates the typed endpoint over a session (hosted here or opened remotely).</summary>
    protected internal abstract TContract CreateEndpoint(QueueSession session);

    /// <summary>Hosts the contract's queues in this process under <paramref name="name"/>; other processes <see cref="Open"/> them.</summary>
    public TContract Create(string name, ChannelOptions? options = null) => throw new NotImplementedException();

    /// <summary>Opens queues hosted by another process, blocking until connected.</summary>
    public TContract Open(string name, ChannelOptions? options = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Opens queues hosted by another process.</summary>
    public ValueTask<TContract> OpenAsync(string name, ChannelOptions? options = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
