namespace Channels.Contracts;

/// <summary>Implemented by every generated queue-contract endpoint: gives the runtime the session behind it, so that <see cref="ChildProcess"/> can hand it to a child.</summary>
public interface IQueueEndpoint
{
    /// <summary>The session that carries the contract's queues.</summary>
    QueueSession Session { get; }
}
