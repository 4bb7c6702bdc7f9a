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
    /// How many chunks are sent to one worker ahead of its answers. Null (the default) sizes it from the measured time
    /// of a chunk: up to 256 ahead for tiny tasks, so that they share the link's batches, down to 2 for long ones, so
    /// that the end of a map stays balanced across workers. A fixed number of at least 1 overrides that. Chunks that
    /// take under 50 µs each travel to a worker several per call (as many as this allows, at most 64), and their
    /// results come back together.
    /// </summary>
    public int? PrefetchPerWorker { get; init; }

    /// <summary>How workers are started (default: this program again; see <see cref="ChildProcessOptions.ExecutablePath"/>).</summary>
    public ChildProcessOptions? Child { get; init; }

    internal void Validate()
    {
        if (MaxTasksPerWorker < 0)
            throw new ArgumentOutOfRangeException(nameof(MaxTasksPerWorker), MaxTasksPerWorker, "MaxTasksPerWorker must be 0 (no limit) or more.");
        if (PrefetchPerWorker is < 1)
            throw new ArgumentOutOfRangeException(nameof(PrefetchPerWorker), PrefetchPerWorker, "PrefetchPerWorker must be at least 1.");
    }
}
