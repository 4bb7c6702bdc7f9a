using Channels.Contracts;

namespace Channels;

// INTERFACE SKETCH (owned by the queue work): GetQueue and DisposeAsync are called by generated code.

/// <summary>The queues of one queue contract as seen by one process: hosted here, or opened on a host.</summary>
public abstract class QueueSession : IAsyncDisposable
{
    private protected QueueSession(ContractDescriptor contract) => Contract = contract;

    /// <summary>The contract whose queues this session carries.</summary>
    public ContractDescriptor Contract { get; }

    /// <summary>Returns the queue of lane number <paramref name="lane"/>; called once per lane by generated code.</summary>
    public abstract ProcessQueue<T> GetQueue<T>(int lane, ILaneCodec<T> codec);

    internal (string Endpoint, byte[] Key) GetChildTicket() => throw new NotImplementedException();

    /// <summary>Closes the session: a host stops serving and removes its socket and key files; a client disconnects.</summary>
    public abstract ValueTask DisposeAsync();
}
