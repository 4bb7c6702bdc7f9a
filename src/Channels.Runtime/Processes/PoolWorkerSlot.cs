using System.Threading.Channels;

namespace Channels;

/// <summary>
/// One place in a <see cref="ProcessPool"/>: runs a worker process, feeds it chunks from the pool's queue (a few
/// ahead of its answers), and replaces it when it dies or has done <see cref="ProcessPoolOptions.MaxTasksPerWorker"/> chunks.
/// </summary>
internal sealed class PoolWorkerSlot(ProcessPool pool, int index)
{
    // A worker's link holds at most its prefetch of chunks and their answers in flight, so the wide default window
    // of a streaming link buys nothing here; measured, the pool's maps ran slower with it (side-by-side, same run).
    private static readonly ChannelOptions WorkerLinkOptions = new() { LaneWindowMessages = 1024 };

    private Worker? _current;

    /// <summary>The running worker's process id, or null while none runs.</summary>
    public int? RunningProcessId => _current is { } worker && !worker.Process.HasExited ? worker.Process.Id : null;

    public async Task StartFirstWorkerAsync(CancellationToken cancellationToken)
        => _current = await StartWorkerAsync(cancellationToken).ConfigureAwait(false);

    public void KillCurrent() => _current?.Process.Kill();

    /// <summary>Feeds workers until the pool is closed and drained, or terminated.</summary>
    public async Task RunAsync()
    {
        while (true)
        {
            Worker? worker = _current;
            if (worker is null)
            {
                try
                {
                    worker = _current = await StartWorkerAsync(pool.Terminating).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (pool.Terminating.IsCancellationRequested)
                {
                    return;
                }
            }
            bool lost = await FeedAsync(worker).ConfigureAwait(false);
            await RetireAsync(worker, lost).ConfigureAwait(false);
            _current = null;
            if (pool.Terminating.IsCancellationRequested || (!lost && pool.Queue.Completion.IsCompleted))
                return;
        }
    }

    private async Task<Worker> StartWorkerAsync(CancellationToken cancellationToken)
    {
        var (opener, peer) = PoolWorkerContract.Instance.CreatePipe(WorkerLinkOptions);
        try
        {
            ChildProcess process = await ChildProcess.StartAsync(peer, PoolWorker.RunAsync, pool.Options.Child, cancellationToken).ConfigureAwait(false);
            return new Worker(opener, process);
        }
        catch
        {
            await opener.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends chunks to <paramref name="worker"/> until it dies (true), must retire, or the pool is drained (false).</summary>
    private async Task<bool> FeedAsync(Worker worker)
    {
        int maxTasks = pool.Options.MaxTasksPerWorker;
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(pool.Terminating);
        var window = new PrefetchWindow(pool.Options.PrefetchPerWorker);
        _ = WatchExitAsync(worker, lost);
        int taken = 0;
        try
        {
            while (maxTasks == 0 || taken < maxTasks)
            {
                // Room first, then a chunk: a chunk taken from the pool's queue is never held back from other workers.
                await window.WaitForRoomAsync(lost.Token).ConfigureAwait(false);
                if (!await pool.Queue.WaitToReadAsync(lost.Token).ConfigureAwait(false))
                    break;
                if (!pool.Queue.TryRead(out PoolTask? task))
                    continue;
                int limit = maxTasks == 0 ? PoolBundle.MaxChunks : Math.Min(PoolBundle.MaxChunks, maxTasks - taken);
                PoolTask[] bundle = TakeBundle(task, limit, window, out PoolTask? other);
                taken += bundle.Length;
                _ = RunAsync(worker, bundle, window, window.Sent(bundle.Length), lost);
                if (other is not null)
                {
                    // Taken while gathering (there was room for it) but of another function or map: it goes alone.
                    taken++;
                    _ = RunAsync(worker, [other], window, window.Sent(), lost);
                }
            }
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested)
        {
            // The worker died (or the pool is terminating): what it held comes back through RunAsync.
        }
        // Wait until every chunk sent to this worker is answered or handed back.
        await window.WhenIdleAsync().ConfigureAwait(false);
        bool died = lost.IsCancellationRequested;
        lost.Cancel(); // ends the exit watch
        return died;
    }

    // With tiny chunks and room in the window, the chunks waiting in the queue for the same function and map (same
    // cancellation) go with the first in one call, up to the room there is and no more than this worker's share of
    // what waits (a worker that took everything would leave the others idle while it works through it, should the
    // chunks be longer than the last ones were). The window still counts every chunk, so a worker holds no more than
    // it did one chunk per call. A task of another function or map, taken meanwhile, comes back in other.
    private PoolTask[] TakeBundle(PoolTask first, int limit, PrefetchWindow window, out PoolTask? other)
    {
        other = null;
        int share = 1 + (pool.Queue.Count / pool.WorkerCount);
        int room = Math.Min(Math.Min(limit, share + 1), window.Room);
        if (room <= 1 || !window.ChunksAreTiny)
            return [first];
        var tasks = new List<PoolTask>(Math.Min(room, 16)) { first };
        // Room for the others and for one mismatched task read on the way.
        while (tasks.Count < room - 1 && pool.Queue.TryRead(out PoolTask? next))
        {
            if (next.Function != first.Function || next.CancellationToken != first.CancellationToken)
            {
                other = next;
                break;
            }
            tasks.Add(next);
        }
        return [.. tasks];
    }

    private async Task RunAsync(Worker worker, PoolTask[] tasks, PrefetchWindow window, long sentAt, CancellationTokenSource lost)
    {
        try
        {
            var chunks = new byte[tasks.Length][];
            for (int i = 0; i < tasks.Length; i++)
                chunks[i] = tasks[i].Items;
            byte[] reply = await worker.Link.Chunks.CallAsync(new PoolBundle(tasks[0].Function, chunks), tasks[0].CancellationToken).ConfigureAwait(false);
            byte[][] replies = PoolBundle.SplitReplies(reply, tasks.Length);
            for (int i = 0; i < tasks.Length; i++)
                pool.Finish(tasks[i], replies[i], null);
        }
        catch (PeerLostException ex)
        {
            Cancel(lost);
            foreach (PoolTask task in tasks)
                pool.OnWorkerLost(task, ex);
        }
        catch (ChannelClosedException ex) when (ex.InnerException is not RemoteException)
        {
            Cancel(lost);
            var closed = new PeerLostException($"Worker {index} of the process pool closed its link: {ex.Message}", worker.Process.ExitCode, ex);
            foreach (PoolTask task in tasks)
                pool.OnWorkerLost(task, closed);
        }
        catch (Exception ex)
        {
            // The whole call failed (RemoteException: the worker could not run the function at all; a reply that
            // does not split) or was cancelled: every chunk of it ends with that.
            foreach (PoolTask task in tasks)
                pool.Finish(task, null, ex);
        }
        finally
        {
            for (int i = 0; i < tasks.Length; i++)
                window.Answered(sentAt);
        }
    }

    // A worker that dies while idle is replaced at once, not when the next chunk finds it dead.
    private static async Task WatchExitAsync(Worker worker, CancellationTokenSource lost)
    {
        try
        {
            await worker.Process.WaitForExitAsync(lost.Token).ConfigureAwait(false);
            Cancel(lost);
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static void Cancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task RetireAsync(Worker worker, bool lost)
    {
        if (lost)
        {
            worker.Process.Kill();
        }
        else
        {
            // Orderly: no more chunks; the worker's serve loop ends and its entry returns.
            worker.Link.Chunks.Complete();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await worker.Process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // DisposeAsync below stops it.
            }
        }
        await worker.Process.DisposeAsync().ConfigureAwait(false);
        await worker.Link.DisposeAsync().ConfigureAwait(false);
    }

    private sealed record Worker(PoolWorkerContract.Opener Link, ChildProcess Process);
}
