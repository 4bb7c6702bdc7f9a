using System.Diagnostics;
using System.Threading.Channels;

namespace Channels;

/// <summary>
/// A pool of worker processes running <see cref="PoolFunctionAttribute">[PoolFunction]</see> methods (Python's
/// <c>multiprocessing.Pool</c>): <c>MapAsync</c> (<c>map</c>/<c>imap</c>), <c>MapUnorderedAsync</c>
/// (<c>imap_unordered</c>) and <c>ApplyAsync</c> (<c>apply_async</c>).
/// </summary>
/// <remarks>
/// Workers are child processes of this program (see <see cref="ChildProcess"/>: <c>Main</c> begins with
/// <c>if (ChildProcess.IsChild) return await ChildProcess.RunAsync();</c>), each linked to the pool by a call lane.
/// Work travels in chunks; each worker runs one chunk at a time and has a few more queued. An item whose function
/// throws fails alone with a <see cref="RemoteException"/>. A worker that dies is replaced; the chunks it held are
/// retried once on another worker, then fail with <see cref="PeerLostException"/>.
/// <see cref="DisposeAsync"/> is Python's <c>close()</c> and <c>join()</c>; <see cref="Terminate"/> is <c>terminate()</c>.
/// </remarks>
[DebuggerDisplay("ProcessPool of {WorkerCount} workers, {_outstanding} tasks outstanding")]
public sealed partial class ProcessPool : IAsyncDisposable
{
    private readonly ProcessPoolOptions _options;
    private readonly Channel<PoolTask> _queue = Channel.CreateUnbounded<PoolTask>();
    private readonly PoolWorkerSlot[] _slots;
    private readonly CancellationTokenSource _terminate = new();
    private readonly Lock _stateLock = new();
    private Task _workersDone = Task.CompletedTask;
    private int _outstanding;
    private bool _closed;

    private ProcessPool(int workers, ProcessPoolOptions options)
    {
        _options = options;
        _slots = new PoolWorkerSlot[workers];
        for (int i = 0; i < workers; i++)
            _slots[i] = new PoolWorkerSlot(this, i);
    }

    /// <summary>
    /// Starts a pool of <paramref name="workers"/> worker processes (default <see cref="Environment.ProcessorCount"/>).
    /// Returns once the processes are started; work sent before they connect waits for them.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="workers"/> is less than 1, or an option is out of range.</exception>
    public static async Task<ProcessPool> StartAsync(int? workers = null, ProcessPoolOptions? options = null, CancellationToken cancellationToken = default)
    {
        int count = workers ?? Environment.ProcessorCount;
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1, nameof(workers));
        options ??= ProcessPoolOptions.Default;
        options.Validate();
        var pool = new ProcessPool(count, options);
        try
        {
            foreach (PoolWorkerSlot slot in pool._slots)
                await slot.StartFirstWorkerAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            pool.Terminate();
            await pool.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var loops = new Task[count];
        for (int i = 0; i < count; i++)
            loops[i] = pool._slots[i].RunAsync();
        pool._workersDone = Task.WhenAll(loops);
        return pool;
    }

    /// <summary>The number of workers the pool keeps running.</summary>
    public int WorkerCount => _slots.Length;

    /// <summary>The process ids of the workers running now (a replaced worker's successor appears once started).</summary>
    public IReadOnlyList<int> WorkerProcessIds
    {
        get
        {
            var ids = new List<int>(_slots.Length);
            foreach (PoolWorkerSlot slot in _slots)
            {
                if (slot.RunningProcessId is int id)
                    ids.Add(id);
            }
            return ids;
        }
    }

    internal ProcessPoolOptions Options => _options;

    internal ChannelReader<PoolTask> Queue => _queue.Reader;

    internal CancellationToken Terminating => _terminate.Token;

    /// <summary>
    /// Stops taking work (Python's <c>close()</c>), lets the work already given finish, then stops the workers and waits
    /// for them (<c>join()</c>). If <paramref name="cancellationToken"/> fires first, terminates the pool.
    /// </summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        lock (_stateLock)
        {
            _closed = true;
            if (_outstanding == 0)
                _queue.Writer.TryComplete();
        }
        try
        {
            await _workersDone.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Terminate();
            await _workersDone.ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Kills every worker at once (Python's <c>terminate()</c>): work not finished fails with
    /// <see cref="OperationCanceledException"/>; the pool takes no more work.
    /// </summary>
    public void Terminate()
    {
        lock (_stateLock)
            _closed = true;
        _terminate.Cancel();
        foreach (PoolWorkerSlot slot in _slots)
            slot.KillCurrent();
        while (_queue.Reader.TryRead(out PoolTask? task))
            Finish(task, null, new OperationCanceledException("The process pool was terminated."));
    }

    /// <summary>Closes the pool and waits for its work and workers (Python's <c>close()</c> then <c>join()</c>).</summary>
    public async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        _terminate.Dispose();
    }

    /// <summary>
    /// Begins a unit of work (an apply, or a map while it produces chunks): refused once the pool is closed, and the
    /// pool's workers keep running until it ends (<see cref="EndWork"/>), so a map begun before close completes.
    /// </summary>
    /// <exception cref="InvalidOperationException">The pool is closed or terminated.</exception>
    internal void BeginWork()
    {
        lock (_stateLock)
        {
            if (_closed)
                throw new InvalidOperationException($"The process pool of {WorkerCount} workers is {(_terminate.IsCancellationRequested ? "terminated" : "closed")}; it takes no more work.");
            _outstanding++;
        }
    }

    /// <summary>Ends a unit begun with <see cref="BeginWork"/>.</summary>
    internal void EndWork()
    {
        lock (_stateLock)
        {
            if (--_outstanding == 0 && _closed)
                _queue.Writer.TryComplete();
        }
    }

    /// <summary>Queues a task of a unit of work in progress; the pool owns it until its sink is told.</summary>
    internal void Submit(PoolTask task)
    {
        lock (_stateLock)
        {
            if (_terminate.IsCancellationRequested)
                throw new OperationCanceledException("The process pool was terminated.");
            _outstanding++;
        }
        _queue.Writer.TryWrite(task);
    }

    /// <summary>A worker died with <paramref name="task"/> in flight: retried once, then failed.</summary>
    internal void OnWorkerLost(PoolTask task, PeerLostException lost)
    {
        if (_terminate.IsCancellationRequested)
        {
            Finish(task, null, new OperationCanceledException("The process pool was terminated.", lost));
            return;
        }
        task.Losses++;
        if (task.Losses <= 1 && !task.CancellationToken.IsCancellationRequested)
        {
            _queue.Writer.TryWrite(task); // still outstanding: the queue is completed only when nothing is
            return;
        }
        Finish(task, null, new PeerLostException($"Pool function '{task.Function}': the worker running it died twice ({lost.Message}).", lost.ExitCode, lost));
    }

    /// <summary>Ends a task for good and tells its sink.</summary>
    internal void Finish(PoolTask task, byte[]? reply, Exception? error)
    {
        EndWork();
        task.Sink.OnCompleted(task, reply, error);
    }
}
