namespace Channels.Benchmarks.SideBySide;

/// <summary>
/// A system measured with one parent and one receiving end: the parent sends and times, the receiving end counts
/// and reports. Systems that cannot run in this build (a part not merged yet) say why in <see cref="Unavailable"/>.
/// </summary>
public abstract class PairSystem
{
    /// <summary>The name used on the command line and for child roles.</summary>
    public abstract string Id { get; }

    /// <summary>The name in the table.</summary>
    public abstract string DisplayName { get; }

    /// <summary>Why the system cannot run in this build, or <see langword="null"/> when it can.</summary>
    public virtual string? Unavailable => null;

    /// <summary>Whether the system takes part in a case (every pair system does the throughput and ping-pong cases; calls only where it has them).</summary>
    public virtual bool Supports(CaseKind kind) => kind is CaseKind.Small or CaseKind.Struct32 or CaseKind.Bytes1K or CaseKind.Bytes64K or CaseKind.PingPong;

    /// <summary>Starts the receiving end (a child process, or a task for in-process transports) and connects the parent's sender to it.</summary>
    public abstract Task<PairConnection> ConnectAsync(string workDirectory, CancellationToken cancellationToken);

    /// <summary>In a child process: connects to the parent at <paramref name="address"/> and returns the receiving end.</summary>
    public abstract Task<IPairReceiver> ConnectChildAsync(string address, CancellationToken cancellationToken);
}
