namespace Channels;

/// <summary>How a <see cref="ProcessPool"/> runs its workers.</summary>
public sealed class ProcessPoolOptions
{
    /// <summary>The options used when none are given.</summary>
    public static ProcessPoolOptions Default { get; } = new();

    /// <summary>
    /// How many chunks a worker completes before it is replaced by a fresh process (Python's <c>maxtasksperchild</c>);
    /// 0 (the default) keeps workers for the pool's lifetime.
    /// </summary>
    public int MaxTasksPerWorker { get; init; }

    /// <summary>
    /// How many chunks are sent to one worker ahead of its answers, so that it never waits for the next one
    /// (default 8). Higher helps many tiny tasks; lower balances long tasks better at the end of a map.
    /// </summary>
    public int PrefetchPerWorker { get; init; } = 8;

    /// <summary>How workers are started (default: this program again; see <see cref="ChildProcessOptions.ExecutablePath"/>).</summary>
    public ChildProcessOptions? Child { get; init; }

    internal void Validate()
    {
        if (MaxTasksPerWorker < 0)
            throw new ArgumentOutOfRangeException(nameof(MaxTasksPerWorker), MaxTasksPerWorker, "MaxTasksPerWorker must be 0 (no limit) or more.");
        if (PrefetchPerWorker < 1)
            throw new ArgumentOutOfRangeException(nameof(PrefetchPerWorker), PrefetchPerWorker, "PrefetchPerWorker must be at least 1.");
    }
}
