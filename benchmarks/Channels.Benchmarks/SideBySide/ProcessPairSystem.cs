namespace Channels.Benchmarks.SideBySide;

/// <summary>
/// A pair system whose receiving end is a child process of this executable: the parent listens at a socket path,
/// starts the child with that path, and accepts it. A child that dies or never connects fails the system, not the run.
/// </summary>
public abstract class ProcessPairSystem : PairSystem
{
    private static readonly TimeSpan AcceptTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Starts listening at <paramref name="socketPath"/> (what <see cref="AddressFor"/> made); the returned function accepts the one child.</summary>
    protected abstract Task<Func<CancellationToken, Task<IPairSender>>> ListenAsync(string socketPath, CancellationToken cancellationToken);

    /// <summary>Extra environment for the child (keys, for example).</summary>
    protected virtual IReadOnlyDictionary<string, string>? ChildEnvironment => null;

    /// <summary>Where the parent listens, handed to the child as its address: by default a socket file in <paramref name="workDirectory"/>.</summary>
    protected virtual string AddressFor(string workDirectory) => Path.Combine(workDirectory, Id + ".sock");

    /// <inheritdoc/>
    public sealed override async Task<PairConnection> ConnectAsync(string workDirectory, CancellationToken cancellationToken)
    {
        string socketPath = AddressFor(workDirectory);
        Func<CancellationToken, Task<IPairSender>> accept = await ListenAsync(socketPath, cancellationToken).ConfigureAwait(false);
        ChildHost child = ChildHost.Start(Id, [ChildRoles.Pair, Id, socketPath], ChildEnvironment);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(AcceptTimeout);
            IPairSender sender = await accept(timeout.Token).ConfigureAwait(false);
            return new PairConnection(sender, child);
        }
        catch
        {
            await child.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
