namespace Channels;

/// <summary>One item of a <see cref="ProcessPool"/> map that failed.</summary>
/// <param name="Index">The item's position in the input.</param>
/// <param name="Error">Why: a <see cref="RemoteException"/> (the function threw in the worker), or a <see cref="PeerLostException"/> (its worker died twice).</param>
public sealed record PoolItemFailure(int Index, Exception Error);

/// <summary>
/// Some items of a <see cref="ProcessPool"/> map failed; all the others were computed (a failed item does not stop
/// the map). Thrown at the end of the map.
/// </summary>
public sealed class PoolMapException : ChannelsException
{
    /// <summary>Creates the exception.</summary>
    public PoolMapException(string function, IReadOnlyList<PoolItemFailure> failures, Array? results)
        : base(Describe(function, failures))
    {
        ArgumentNullException.ThrowIfNull(failures);
        Function = function;
        Failures = failures;
        Results = results;
    }

    /// <summary>The pool function's name.</summary>
    public string Function { get; }

    /// <summary>The failed items, in input order.</summary>
    public IReadOnlyList<PoolItemFailure> Failures { get; }

    /// <summary>
    /// For <see cref="ProcessPool"/>'s array-returning <c>MapAsync</c>, every result in input order (failed items hold
    /// the default value); <see langword="null"/> for the streaming forms, which have yielded the results already.
    /// </summary>
    public Array? Results { get; }

    private static string Describe(string function, IReadOnlyList<PoolItemFailure> failures)
        => failures.Count == 0
            ? $"Pool function '{function}' failed."
            : $"{failures.Count} item(s) of a map of pool function '{function}' failed; the first, item {failures[0].Index}: {failures[0].Error.Message}";
}
