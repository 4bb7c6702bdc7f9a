using Channels.Contracts;
using Channels.Queues;

namespace Channels;

/// <summary>The queues of one queue contract as seen by one process: hosted here, or opened on a host.</summary>
public abstract class QueueSession : IAsyncDisposable
{
    private protected QueueSession(ContractDescriptor contract) => Contract = contract;

    /// <summary>The contract whose queues this session carries.</summary>
    public ContractDescriptor Contract { get; }

    /// <summary>Returns the queue of lane number <paramref name="lane"/>; called once per lane by generated code.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lane"/> is not a lane of <see cref="Contract"/>.</exception>
    public abstract ProcessQueue<T> GetQueue<T>(int lane, ILaneCodec<T> codec);

    /// <summary>
    /// What a child process needs to open these queues itself: the endpoint as an explicit <c>unix:/path</c> (so
    /// the child does not depend on its own runtime directory settings) and the endpoint's key. The child passes
    /// them to the contract's <c>OpenAsync(endpoint, new ChannelOptions { Key = key })</c>. A session that opened a
    /// remote host gives that host's ticket, so a child of a client joins the same queues.
    /// </summary>
    internal abstract (string Endpoint, byte[] Key) GetChildTicket();

    /// <summary>Closes the session: a host stops serving and removes its socket and key files; a client disconnects.</summary>
    public abstract ValueTask DisposeAsync();

    private protected static void CheckLane(ContractDescriptor contract, int lane)
    {
        if ((uint)lane >= (uint)contract.Lanes.Count)
            throw new ArgumentOutOfRangeException(nameof(lane), lane, $"Contract '{contract.Name}' has {contract.Lanes.Count} lanes.");
    }

    /// <summary>The queue of <paramref name="lane"/>, made once over its engine and kept in <paramref name="queues"/>.</summary>
    private protected ProcessQueue<T> QueueOf<T>(object?[] queues, IQueueEngine[] engines, int lane, ILaneCodec<T> codec)
    {
        CheckLane(Contract, lane);
        ArgumentNullException.ThrowIfNull(codec);
        if (queues[lane] is ProcessQueue<T> existing) return existing;
        var queue = new ProcessQueue<T>(new QueueLane<T>(engines[lane], codec));
        queues[lane] = queue;
        return queue;
    }

    private protected static string QueueName(ContractDescriptor contract, int lane) => contract.Name + "." + contract.Lanes[lane].Name;
}
