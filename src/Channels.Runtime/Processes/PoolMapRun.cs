using System.Runtime.CompilerServices;
using System.Threading.Channels;
using MemoryPack;

namespace Channels;

/// <summary>The results of one chunk of a map, decoded: values (failed items hold defaults) and the failures by input index.</summary>
internal readonly record struct PoolChunkResult<TResult>(int Offset, TResult[] Values, List<PoolItemFailure>? Failures);

/// <summary>
/// One map over a pool: cuts the input into chunks, keeps a bounded number of them in the pool (so memory stays
/// bounded whatever the input's length), and hands back their results in input order or as they finish.
/// </summary>
internal sealed class PoolMapRun<TArg, TResult> : IPoolTaskSink
{
    private readonly ProcessPool _pool;
    private readonly string _function;
    private readonly int _chunkSize;
    private readonly SemaphoreSlim _window;
    private readonly CancellationTokenSource _stop;
    private int _submitted;
    private readonly Channel<Completion> _done = Channel.CreateUnbounded<Completion>(new UnboundedChannelOptions { SingleReader = true });

    public PoolMapRun(ProcessPool pool, string function, int chunkSize, CancellationToken cancellationToken)
    {
        _pool = pool;
        _function = function;
        _chunkSize = chunkSize;
        int window = pool.WorkerCount * (pool.Options.PrefetchPerWorker ?? PrefetchWindow.AutomaticMaximum) * 2;
        _window = new SemaphoreSlim(window, window);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    }

    public string Function => _function;

    void IPoolTaskSink.OnCompleted(PoolTask task, byte[]? reply, Exception? error) => _done.Writer.TryWrite(new Completion(task, reply, error));

    /// <summary>Runs the map; chunk results come in input order when <paramref name="ordered"/>, else as they finish.</summary>
    public async IAsyncEnumerable<PoolChunkResult<TResult>> RunAsync(IAsyncEnumerable<TArg> items, bool ordered)
    {
        CancellationToken token = _stop.Token;
        Task produced = ProduceAsync(items, token);
        var early = ordered ? new Dictionary<int, PoolChunkResult<TResult>>() : null;
        int next = 0, received = 0;
        bool inputEnded = false;
        try
        {
            while (!(inputEnded && received == _submitted) && await _done.Reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (_done.Reader.TryRead(out Completion completion))
                {
                    if (completion.Task is null)
                    {
                        inputEnded = true;
                        await produced.ConfigureAwait(false); // rethrows if the input threw or the map was cancelled
                        continue;
                    }
                    received++;
                    _window.Release();
                    PoolChunkResult<TResult> result = Decode(completion, token);
                    if (early is null)
                    {
                        yield return result;
                        continue;
                    }
                    early[completion.Task.Sequence] = result;
                    while (early.Remove(next, out PoolChunkResult<TResult> inOrder))
                    {
                        next++;
                        yield return inOrder;
                    }
                }
            }
        }
        finally
        {
            // Stopped early (break, exception, cancellation): stop producing and cancel the chunks still out.
            _stop.Cancel();
            try
            {
                await produced.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Already surfaced, or irrelevant after an early stop.
            }
        }
    }

    private PoolChunkResult<TResult> Decode(Completion completion, CancellationToken token)
    {
        PoolTask task = completion.Task!;
        if (completion.Error is OperationCanceledException canceled)
        {
            token.ThrowIfCancellationRequested();
            throw canceled;
        }
        if (completion.Error is not null)
        {
            // The whole chunk failed (its worker died twice, or the worker could not run the function at all).
            var failures = new List<PoolItemFailure>(task.Count);
            for (int i = 0; i < task.Count; i++)
                failures.Add(new PoolItemFailure(task.Offset + i, completion.Error));
            return new PoolChunkResult<TResult>(task.Offset, new TResult[task.Count], failures);
        }
        TResult[] values = PoolReply.Decode<TResult>(completion.Reply!, task.Count, out List<PoolItemError>? errors);
        List<PoolItemFailure>? itemFailures = null;
        if (errors is not null)
        {
            itemFailures = new List<PoolItemFailure>(errors.Count);
            foreach (PoolItemError error in errors)
                itemFailures.Add(new PoolItemFailure(task.Offset + error.Index, error.Error));
        }
        return new PoolChunkResult<TResult>(task.Offset, values, itemFailures);
    }

    private async Task ProduceAsync(IAsyncEnumerable<TArg> items, CancellationToken token)
    {
        int sequence = 0, offset = 0;
        try
        {
            _pool.BeginWork();
        }
        catch
        {
            _done.Writer.TryWrite(default);
            throw;
        }
        try
        {
            var chunk = new List<TArg>(Math.Min(_chunkSize, 4096));
            await foreach (TArg item in items.WithCancellation(token).ConfigureAwait(false))
            {
                chunk.Add(item);
                if (chunk.Count == _chunkSize)
                {
                    await SubmitAsync(chunk, sequence++, offset, token).ConfigureAwait(false);
                    offset += chunk.Count;
                    chunk.Clear();
                }
            }
            if (chunk.Count > 0)
                await SubmitAsync(chunk, sequence++, offset, token).ConfigureAwait(false);
        }
        finally
        {
            _pool.EndWork();
            _submitted = sequence;
            _done.Writer.TryWrite(default); // the end marker: no task
        }
    }

    private async ValueTask SubmitAsync(List<TArg> chunk, int sequence, int offset, CancellationToken token)
    {
        await _window.WaitAsync(token).ConfigureAwait(false);
        byte[] items = MemoryPackSerializer.Serialize<TArg[]>([.. chunk]);
        _pool.Submit(new PoolTask(_function, items, chunk.Count, sequence, offset, this, token));
    }

    /// <summary>A finished task, or (no task) the end of the input.</summary>
    private readonly record struct Completion(PoolTask? Task, byte[]? Reply, Exception? Error);
}
