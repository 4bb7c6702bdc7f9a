using System.Runtime.CompilerServices;

namespace Channels;

// One overload per entry shape, so that the endpoint's type, inferred from the first argument, types the entry:
// a [ChildEntry] method whose endpoint parameter does not match does not compile.
// The Task overloads have priority over the ValueTask ones: an async lambda (never a valid entry) then binds instead
// of being ambiguous (CS0121), and the analyzer's CHN022 at the argument is the error the user sees. A method group
// converts to one return type only, so the priority never changes which overload a real entry binds to.
public sealed partial class ChildProcess
{
    /// <summary>Starts a child process that runs <paramref name="entry"/> with the other end <paramref name="endpoint"/>.</summary>
    [OverloadResolutionPriority(1)]
    public static Task<ChildProcess> StartAsync<TEndpoint>(TEndpoint endpoint, Func<TEndpoint, CancellationToken, Task> entry, ChildProcessOptions? options = null, CancellationToken cancellationToken = default)
        where TEndpoint : class
        => StartCoreAsync(endpoint, entry, null, options, cancellationToken);

    /// <summary>Starts a child process that runs <paramref name="entry"/> with the other end <paramref name="endpoint"/>.</summary>
    [OverloadResolutionPriority(1)]
    public static Task<ChildProcess> StartAsync<TEndpoint>(TEndpoint endpoint, Func<TEndpoint, CancellationToken, Task<int>> entry, ChildProcessOptions? options = null, CancellationToken cancellationToken = default)
        where TEndpoint : class
        => StartCoreAsync(endpoint, entry, null, options, cancellationToken);

    /// <summary>Starts a child process that runs <paramref name="entry"/> with the other end <paramref name="endpoint"/>.</summary>
    public static Task<ChildProcess> StartAsync<TEndpoint>(TEndpoint endpoint, Func<TEndpoint, CancellationToken, ValueTask> entry, ChildProcessOptions? options = null, CancellationToken cancellationToken = default)
        where TEndpoint : class
        => StartCoreAsync(endpoint, entry, null, options, cancellationToken);

    /// <summary>Starts a child process that runs <paramref name="entry"/> with the other end <paramref name="endpoint"/>.</summary>
    public static Task<ChildProcess> StartAsync<TEndpoint>(TEndpoint endpoint, Action<TEndpoint, CancellationToken> entry, ChildProcessOptions? options = null, CancellationToken cancellationToken = default)
        where TEndpoint : class
        => StartCoreAsync(endpoint, entry, null, options, cancellationToken);

    /// <summary>Starts a child process that runs <paramref name="entry"/> with the other end <paramref name="endpoint"/>.</summary>
    public static Task<ChildProcess> StartAsync<TEndpoint>(TEndpoint endpoint, Func<TEndpoint, CancellationToken, int> entry, ChildProcessOptions? options = null, CancellationToken cancellationToken = default)
        where TEndpoint : class
        => StartCoreAsync(endpoint, entry, null, options, cancellationToken);

    /// <summary>Starts a child process that runs <paramref name="entry"/> with the other end <paramref name="endpoint"/>.</summary>
    [OverloadResolutionPriority(1)]
    public static Task<ChildProcess> StartAsync<TEndpoint>(TEndpoint endpoint, Func<TEndpoint, Task> entry, ChildProcessOptions? options = null, CancellationToken cancellationToken = default)
        where TEndpoint : class
        => StartCoreAsync(endpoint, entry, null, options, cancellationToken);

    /// <summary>Starts a child process that runs <paramref name="entry"/> with the other end <paramref name="endpoint"/>.</summary>
    [OverloadResolutionPriority(1)]
    public static Task<ChildProcess> StartAsync<TEndpoint>(TEndpoint endpoint, Func<TEndpoint, Task<int>> entry, ChildProcessOptions? options = null, CancellationToken cancellationToken = default)
        where TEndpoint : class
        => StartCoreAsync(endpoint, entry, null, options, cancellationToken);

    /// <summary>Starts a child process that runs <paramref name="entry"/> with the other end <paramref name="endpoint"/>.</summary>
    public static Task<ChildProcess> StartAsync<TEndpoint>(TEndpoint endpoint, Func<TEndpoint, ValueTask> entry, ChildProcessOptions? options = null, CancellationToken cancellationToken = default)
        where TEndpoint : class
        => StartCoreAsync(endpoint, entry, null, options, cancellationToken);

    /// <summary>Starts a child process that runs <paramref name="entry"/> with the other end <paramref name="endpoint"/>.</summary>
    public static Task<ChildProcess> StartAsync<TEndpoint>(TEndpoint endpoint, Action<TEndpoint> entry, ChildProcessOptions? options = null, CancellationToken cancellationToken = default)
        where TEndpoint : class
        => StartCoreAsync(endpoint, entry, null, options, cancellationToken);

    /// <summary>Starts a child process that runs <paramref name="entry"/> with the other end <paramref name="endpoint"/>.</summary>
    public static Task<ChildProcess> StartAsync<TEndpoint>(TEndpoint endpoint, Func<TEndpoint, int> entry, ChildProcessOptions? options = null, CancellationToken cancellationToken = default)
        where TEndpoint : class
        => StartCoreAsync(endpoint, entry, null, options, cancellationToken);

    /// <summary>Starts a child process that runs <paramref name="entry"/> with the other end <paramref name="endpoint"/> and <paramref name="argument"/>.</summary>
    [OverloadResolutionPriority(1)]
    public static Task<ChildProcess> StartAsync<TEndpoint, TArg>(TEndpoint endpoint, Func<TEndpoint, TArg, CancellationToken, Task> entry, TArg argument, ChildProcessOptions? options = null, CancellationToken cancellationToken = default)
        where TEndpoint : class
        => StartCoreAsync(endpoint, entry, SerializeArgument(argument), options, cancellationToken);

    /// <summary>Starts a child process that runs <paramref name="entry"/> with the other end <paramref name="endpoint"/> and <paramref name="argument"/>.</summary>
    [OverloadResolutionPriority(1)]
    public static Task<ChildProcess> StartAsync<TEndpoint, TArg>(TEndpoint endpoint, Func<TEndpoint, TArg, CancellationToken, Task<int>> entry, TArg argument, ChildProcessOptions? options = null, CancellationToken cancellationToken = default)
        where TEndpoint : class
        => StartCoreAsync(endpoint, entry, SerializeArgument(argument), options, cancellationToken);

    /// <summary>Starts a child process that runs <paramref name="entry"/> with the other end <paramref name="endpoint"/> and <paramref name="argument"/>.</summary>
    public static Task<ChildProcess> StartAsync<TEndpoint, TArg>(TEndpoint endpoint, Func<TEndpoint, TArg, CancellationToken, ValueTask> entry, TArg argument, ChildProcessOptions? options = null, CancellationToken cancellationToken = default)
        where TEndpoint : class
        => StartCoreAsync(endpoint, entry, SerializeArgument(argument), options, cancellationToken);

    /// <summary>Starts a child process that runs <paramref name="entry"/> with the other end <paramref name="endpoint"/> and <paramref name="argument"/>.</summary>
    public static Task<ChildProcess> StartAsync<TEndpoint, TArg>(TEndpoint endpoint, Action<TEndpoint, TArg, CancellationToken> entry, TArg argument, ChildProcessOptions? options = null, CancellationToken cancellationToken = default)
        where TEndpoint : class
        => StartCoreAsync(endpoint, entry, SerializeArgument(argument), options, cancellationToken);

    /// <summary>Starts a child process that runs <paramref name="entry"/> with the other end <paramref name="endpoint"/> and <paramref name="argument"/>.</summary>
    public static Task<ChildProcess> StartAsync<TEndpoint, TArg>(TEndpoint endpoint, Func<TEndpoint, TArg, CancellationToken, int> entry, TArg argument, ChildProcessOptions? options = null, CancellationToken cancellationToken = default)
        where TEndpoint : class
        => StartCoreAsync(endpoint, entry, SerializeArgument(argument), options, cancellationToken);

    /// <summary>Starts a child process that runs <paramref name="entry"/> with the other end <paramref name="endpoint"/> and <paramref name="argument"/>.</summary>
    [OverloadResolutionPriority(1)]
    public static Task<ChildProcess> StartAsync<TEndpoint, TArg>(TEndpoint endpoint, Func<TEndpoint, TArg, Task> entry, TArg argument, ChildProcessOptions? options = null, CancellationToken cancellationToken = default)
        where TEndpoint : class
        => StartCoreAsync(endpoint, entry, SerializeArgument(argument), options, cancellationToken);

    /// <summary>Starts a child process that runs <paramref name="entry"/> with the other end <paramref name="endpoint"/> and <paramref name="argument"/>.</summary>
    [OverloadResolutionPriority(1)]
    public static Task<ChildProcess> StartAsync<TEndpoint, TArg>(TEndpoint endpoint, Func<TEndpoint, TArg, Task<int>> entry, TArg argument, ChildProcessOptions? options = null, CancellationToken cancellationToken = default)
        where TEndpoint : class
        => StartCoreAsync(endpoint, entry, SerializeArgument(argument), options, cancellationToken);

    /// <summary>Starts a child process that runs <paramref name="entry"/> with the other end <paramref name="endpoint"/> and <paramref name="argument"/>.</summary>
    public static Task<ChildProcess> StartAsync<TEndpoint, TArg>(TEndpoint endpoint, Func<TEndpoint, TArg, ValueTask> entry, TArg argument, ChildProcessOptions? options = null, CancellationToken cancellationToken = default)
        where TEndpoint : class
        => StartCoreAsync(endpoint, entry, SerializeArgument(argument), options, cancellationToken);

    /// <summary>Starts a child process that runs <paramref name="entry"/> with the other end <paramref name="endpoint"/> and <paramref name="argument"/>.</summary>
    public static Task<ChildProcess> StartAsync<TEndpoint, TArg>(TEndpoint endpoint, Action<TEndpoint, TArg> entry, TArg argument, ChildProcessOptions? options = null, CancellationToken cancellationToken = default)
        where TEndpoint : class
        => StartCoreAsync(endpoint, entry, SerializeArgument(argument), options, cancellationToken);

    /// <summary>Starts a child process that runs <paramref name="entry"/> with the other end <paramref name="endpoint"/> and <paramref name="argument"/>.</summary>
    public static Task<ChildProcess> StartAsync<TEndpoint, TArg>(TEndpoint endpoint, Func<TEndpoint, TArg, int> entry, TArg argument, ChildProcessOptions? options = null, CancellationToken cancellationToken = default)
        where TEndpoint : class
        => StartCoreAsync(endpoint, entry, SerializeArgument(argument), options, cancellationToken);
}
