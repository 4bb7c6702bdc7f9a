using System.Threading.Tasks.Sources;

namespace Channels.Lanes;

/// <summary>
/// One pending <c>WaitToReadAsync</c>/<c>WaitToWriteAsync</c>. Reused by its <see cref="WaiterList"/> after the
/// awaiter has taken the result, so a lane that waits again and again allocates nothing. It completes through the
/// thread pool (it is its own work item), never under a lock: a transport's receive thread runs it itself after the
/// frames of one receive (<see cref="Transports.InlineWakeUps"/>); any other thread queues it.
/// </summary>
internal sealed class Waiter : IValueTaskSource<bool>, IThreadPoolWorkItem
{
    private readonly WaiterList _owner;
    private ManualResetValueTaskSourceCore<bool> _core;
    private CancellationTokenRegistration _registration;
    private CancellationToken _token;
    private int _completed;
    private bool _reusable;
    private bool _result;
    private Exception? _error;

    public Waiter(WaiterList owner)
    {
        _owner = owner;
        _core.RunContinuationsAsynchronously = false;
    }

    /// <summary>The next waiter of the owner's list.</summary>
    public Waiter? Next { get; set; }

    /// <summary>Prepares a waiter taken from the cache or new; called under the owner's lock.</summary>
    public ValueTask<bool> Arm(CancellationToken cancellationToken)
    {
        _completed = 0;
        _reusable = true;
        _error = null;
        _token = cancellationToken;
        if (cancellationToken.CanBeCanceled)
            _registration = cancellationToken.UnsafeRegister(static s => ((Waiter)s!).OnCanceled(), this);
        return new ValueTask<bool>(this, _core.Version);
    }

    /// <summary>Completes the wait with <paramref name="result"/> or <paramref name="error"/>, once.</summary>
    public void Complete(bool result, Exception? error)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
            return;
        // A cancellation callback that is already running will still unlink this waiter, so it must not be reused.
        if (_token.CanBeCanceled && !_registration.Unregister())
            _reusable = false;
        _result = result;
        _error = error;
        if (!Transports.InlineWakeUps.TryDefer(this))
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute()
    {
        if (_error is null)
            _core.SetResult(_result);
        else
            _core.SetException(_error);
    }

    private void OnCanceled()
    {
        _owner.Remove(this);
        Complete(false, new OperationCanceledException(_token));
    }

    bool IValueTaskSource<bool>.GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            _registration = default;
            _token = default;
            _error = null;
            if (_reusable)
                _owner.Return(this);
        }
    }

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
