namespace Channels.Benchmarks.SideBySide;

/// <summary>
/// A queue shared by several processes, measured like the Python seed's Queue case: this process hosts it,
/// producer and consumer child processes open it; capacity 1000.
/// </summary>
public abstract class QueueSystem
{
    /// <summary>The capacity of the measured queue (Python: <c>Queue(maxsize=1000)</c>).</summary>
    public const int Capacity = 1000;

    /// <summary>The name used on the command line and for child roles.</summary>
    public abstract string Id { get; }

    /// <summary>The name in the table.</summary>
    public abstract string DisplayName { get; }

    /// <summary>Whether the system runs only when named in <c>--systems</c> (a slow configuration kept for comparison).</summary>
    public virtual bool OptIn => false;

    /// <summary>Whether the system takes part in a queue case (the Unix-machine queues in the three seed cases, NATS queues in the JetStream case).</summary>
    public virtual bool Supports(CaseKind kind) => kind is CaseKind.Queue1P1C or CaseKind.Queue2P2C or CaseKind.Queue4P4C;

    /// <summary>Why the system cannot run in this build, or <see langword="null"/> when it can.</summary>
    public virtual string? Unavailable => null;

    /// <summary>Hosts the queue under <paramref name="name"/> in this process until disposed.</summary>
    public abstract Task<IAsyncDisposable> HostAsync(string name, CancellationToken cancellationToken);

    /// <summary>In a child process: opens the queue hosted under <paramref name="name"/>.</summary>
    public abstract Task<IQueueClient> OpenAsync(string name, CancellationToken cancellationToken);
}
