namespace Channels;

// SKETCH: implementation in progress (Processes work).

/// <summary>
/// A child process running a <see cref="ChildEntryAttribute">[ChildEntry]</see> method with one end of a link
/// (Python's <c>multiprocessing.Process</c>).
/// </summary>
public sealed partial class ChildProcess : IAsyncDisposable
{
    private ChildProcess() { }

    /// <summary>Whether this process was started by <see cref="ChildProcess"/> to run an entry.</summary>
    public static bool IsChild => throw new NotImplementedException();

    /// <summary>Runs the entry this child was started for and returns its exit code.</summary>
    public static Task<int> RunAsync() => throw new NotImplementedException();

    /// <summary>The child's standard output, when redirected.</summary>
    public StreamReader? StandardOutput => throw new NotImplementedException();

    /// <summary>The child's standard error, when redirected.</summary>
    public StreamReader? StandardError => throw new NotImplementedException();

    /// <summary>Stops the child: completes its link, waits the grace period, then kills it.</summary>
    public ValueTask DisposeAsync() => throw new NotImplementedException();

    private static byte[] SerializeArgument<TArg>(TArg argument) => MemoryPack.MemoryPackSerializer.Serialize(argument);

    private static Task<ChildProcess> StartCoreAsync(object endpoint, Delegate entry, byte[]? argument, ChildProcessOptions? options, CancellationToken cancellationToken)
        => throw new NotImplementedException();
}
