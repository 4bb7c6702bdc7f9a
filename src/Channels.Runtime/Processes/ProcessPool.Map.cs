using System.Runtime.CompilerServices;
using Channels.Contracts;
using MemoryPack;

namespace Channels;

// The work methods, one overload per function shape: TResult F(TArg) and Task<TResult> F(TArg, CancellationToken).
// Functions are static [PoolFunction] methods; passing anything else is a compile error (CHN016) and, should it get
// past the compiler, an ArgumentException.
public sealed partial class ProcessPool
{
    /// <summary>
    /// Runs <paramref name="function"/> on every item in the workers and returns the results in input order (Python's
    /// <c>Pool.map</c>). The input is cut into chunks of <paramref name="chunkSize"/> items; by default, as Python does,
    /// into about four chunks per worker.
    /// </summary>
    /// <exception cref="PoolMapException">Some items failed; the others were computed (see <see cref="PoolMapException.Results"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired; the chunks in the workers were cancelled.</exception>
    /// <exception cref="ArgumentException"><paramref name="function"/> is not a static [PoolFunction] method.</exception>
    public Task<TResult[]> MapAsync<TArg, TResult>(Func<TArg, TResult> function, IEnumerable<TArg> items, int? chunkSize = null, CancellationToken cancellationToken = default)
        => MapToArrayAsync<TArg, TResult>(PoolFunctionRegistry.NameOf(function), items, chunkSize, cancellationToken);

    /// <inheritdoc cref="MapAsync{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, int?, CancellationToken)"/>
    public Task<TResult[]> MapAsync<TArg, TResult>(Func<TArg, CancellationToken, Task<TResult>> function, IEnumerable<TArg> items, int? chunkSize = null, CancellationToken cancellationToken = default)
        => MapToArrayAsync<TArg, TResult>(PoolFunctionRegistry.NameOf(function), items, chunkSize, cancellationToken);

    /// <summary>
    /// Runs <paramref name="function"/> on a stream of items of unknown length and streams the results in input order
    /// (Python's <c>Pool.imap</c>). Items travel <paramref name="chunkSize"/> at a time. A failed item is skipped; the
    /// failures are thrown together at the end as a <see cref="PoolMapException"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="function"/> is not a static [PoolFunction] method.</exception>
    public IAsyncEnumerable<TResult> MapAsync<TArg, TResult>(Func<TArg, TResult> function, IAsyncEnumerable<TArg> items, int chunkSize = 1, CancellationToken cancellationToken = default)
        => MapStreamAsync<TArg, TResult>(PoolFunctionRegistry.NameOf(function), items, CheckChunkSize(chunkSize), ordered: true, cancellationToken);

    /// <inheritdoc cref="MapAsync{TArg, TResult}(Func{TArg, TResult}, IAsyncEnumerable{TArg}, int, CancellationToken)"/>
    public IAsyncEnumerable<TResult> MapAsync<TArg, TResult>(Func<TArg, CancellationToken, Task<TResult>> function, IAsyncEnumerable<TArg> items, int chunkSize = 1, CancellationToken cancellationToken = default)
        => MapStreamAsync<TArg, TResult>(PoolFunctionRegistry.NameOf(function), items, CheckChunkSize(chunkSize), ordered: true, cancellationToken);

    /// <summary>
    /// Runs <paramref name="function"/> on every item and streams the results as they finish (Python's
    /// <c>Pool.imap_unordered</c>). Chunks as <see cref="MapAsync{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, int?, CancellationToken)"/>
    /// does when the input's length is known without enumerating it, else one item per chunk. A failed item is skipped;
    /// the failures are thrown together at the end as a <see cref="PoolMapException"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="function"/> is not a static [PoolFunction] method.</exception>
    public IAsyncEnumerable<TResult> MapUnorderedAsync<TArg, TResult>(Func<TArg, TResult> function, IEnumerable<TArg> items, int? chunkSize = null, CancellationToken cancellationToken = default)
        => MapStreamAsync<TArg, TResult>(PoolFunctionRegistry.NameOf(function), items.ToAsyncEnumerable(), ChunkSizeFor(items, chunkSize), ordered: false, cancellationToken);

    /// <inheritdoc cref="MapUnorderedAsync{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, int?, CancellationToken)"/>
    public IAsyncEnumerable<TResult> MapUnorderedAsync<TArg, TResult>(Func<TArg, CancellationToken, Task<TResult>> function, IEnumerable<TArg> items, int? chunkSize = null, CancellationToken cancellationToken = default)
        => MapStreamAsync<TArg, TResult>(PoolFunctionRegistry.NameOf(function), items.ToAsyncEnumerable(), ChunkSizeFor(items, chunkSize), ordered: false, cancellationToken);

    /// <summary>Runs <paramref name="function"/> on a stream of items and streams the results as they finish; see <see cref="MapUnorderedAsync{TArg, TResult}(Func{TArg, TResult}, IEnumerable{TArg}, int?, CancellationToken)"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="function"/> is not a static [PoolFunction] method.</exception>
    public IAsyncEnumerable<TResult> MapUnorderedAsync<TArg, TResult>(Func<TArg, TResult> function, IAsyncEnumerable<TArg> items, int chunkSize = 1, CancellationToken cancellationToken = default)
        => MapStreamAsync<TArg, TResult>(PoolFunctionRegistry.NameOf(function), items, CheckChunkSize(chunkSize), ordered: false, cancellationToken);

    /// <inheritdoc cref="MapUnorderedAsync{TArg, TResult}(Func{TArg, TResult}, IAsyncEnumerable{TArg}, int, CancellationToken)"/>
    public IAsyncEnumerable<TResult> MapUnorderedAsync<TArg, TResult>(Func<TArg, CancellationToken, Task<TResult>> function, IAsyncEnumerable<TArg> items, int chunkSize = 1, CancellationToken cancellationToken = default)
        => MapStreamAsync<TArg, TResult>(PoolFunctionRegistry.NameOf(function), items, CheckChunkSize(chunkSize), ordered: false, cancellationToken);

    /// <summary>Runs <paramref name="function"/> on <paramref name="argument"/> in a worker (Python's <c>Pool.apply_async(...).get()</c>).</summary>
    /// <exception cref="RemoteException">The function threw in the worker (its type, message and stack trace).</exception>
    /// <exception cref="PeerLostException">The worker died twice while running it.</exception>
    /// <exception cref="ArgumentException"><paramref name="function"/> is not a static [PoolFunction] method.</exception>
    public Task<TResult> ApplyAsync<TArg, TResult>(Func<TArg, TResult> function, TArg argument, CancellationToken cancellationToken = default)
        => ApplyCoreAsync<TArg, TResult>(PoolFunctionRegistry.NameOf(function), argument, cancellationToken);

    /// <inheritdoc cref="ApplyAsync{TArg, TResult}(Func{TArg, TResult}, TArg, CancellationToken)"/>
    public Task<TResult> ApplyAsync<TArg, TResult>(Func<TArg, CancellationToken, Task<TResult>> function, TArg argument, CancellationToken cancellationToken = default)
        => ApplyCoreAsync<TArg, TResult>(PoolFunctionRegistry.NameOf(function), argument, cancellationToken);

    private Task<TResult> ApplyCoreAsync<TArg, TResult>(string function, TArg argument, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
            return Task.FromCanceled<TResult>(cancellationToken);
        var apply = new PoolApply<TResult>();
        BeginWork();
        try
        {
            Submit(new PoolTask(function, MemoryPackSerializer.Serialize<TArg[]>([argument]), 1, 0, 0, apply, cancellationToken));
        }
        finally
        {
            EndWork();
        }
        return apply.Task;
    }

    private async Task<TResult[]> MapToArrayAsync<TArg, TResult>(string function, IEnumerable<TArg> items, int? chunkSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (!items.TryGetNonEnumeratedCount(out int count))
        {
            // As Python's map does with an iterable: the length decides the chunk size and the result array.
            TArg[] materialized = [.. items];
            items = materialized;
            count = materialized.Length;
        }
        var results = new TResult[count];
        List<PoolItemFailure>? failures = null;
        var run = new PoolMapRun<TArg, TResult>(this, function, chunkSize is null ? AutomaticChunkSize(count) : CheckChunkSize(chunkSize.Value), cancellationToken);
        await foreach (PoolChunkResult<TResult> chunk in run.RunAsync(items.ToAsyncEnumerable(), ordered: false).ConfigureAwait(false))
        {
            Array.Copy(chunk.Values, 0, results, chunk.Offset, chunk.Values.Length);
            if (chunk.Failures is not null)
                (failures ??= []).AddRange(chunk.Failures);
        }
        if (failures is not null)
        {
            failures.Sort(static (a, b) => a.Index.CompareTo(b.Index));
            throw new PoolMapException(function, failures, results);
        }
        return results;
    }

    private async IAsyncEnumerable<TResult> MapStreamAsync<TArg, TResult>(string function, IAsyncEnumerable<TArg> items, int chunkSize, bool ordered, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        List<PoolItemFailure>? failures = null;
        var run = new PoolMapRun<TArg, TResult>(this, function, chunkSize, cancellationToken);
        await foreach (PoolChunkResult<TResult> chunk in run.RunAsync(items, ordered).ConfigureAwait(false))
        {
            if (chunk.Failures is null)
            {
                foreach (TResult value in chunk.Values)
                    yield return value;
                continue;
            }
            var failed = new HashSet<int>();
            foreach (PoolItemFailure failure in chunk.Failures)
                failed.Add(failure.Index - chunk.Offset);
            for (int i = 0; i < chunk.Values.Length; i++)
            {
                if (!failed.Contains(i))
                    yield return chunk.Values[i];
            }
            (failures ??= []).AddRange(chunk.Failures);
        }
        if (failures is not null)
        {
            failures.Sort(static (a, b) => a.Index.CompareTo(b.Index));
            throw new PoolMapException(function, failures, null);
        }
    }

    private int ChunkSizeFor<TArg>(IEnumerable<TArg> items, int? chunkSize)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (chunkSize is not null)
            return CheckChunkSize(chunkSize.Value);
        return items.TryGetNonEnumeratedCount(out int count) ? AutomaticChunkSize(count) : 1;
    }

    /// <summary>Python's rule: about four chunks per worker.</summary>
    private int AutomaticChunkSize(int count)
    {
        int chunks = WorkerCount * 4;
        return Math.Max(1, (int)(((long)count + chunks - 1) / chunks));
    }

    private static int CheckChunkSize(int chunkSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        return chunkSize;
    }
}
