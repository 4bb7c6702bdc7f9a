namespace Channels.Calls;

/// <summary>
/// A call sent and not yet answered; completed by the response loop, a cancellation or the loss of the link. Whoever
/// takes it out of its call lane's pending table completes it, once: on the thread pool
/// (<see cref="CompleteOnThreadPool"/>), or on the calling thread (<see cref="CompleteHere"/>) when that thread runs
/// nothing after it (the response loop's last answer of a batch, so the caller's continuation costs no thread hop).
/// </summary>
internal sealed class PendingCall<TResponse>(ICallCanceller owner, ulong id) : TaskCompletionSource<TResponse>, IThreadPoolWorkItem
{
    private TResponse? _response;
    private Exception? _error;
    private CancellationToken _canceledBy;
    private bool _canceled;

    public ulong Id => id;

    public ICallCanceller Owner => owner;

    /// <summary>Records the answer: a response, or the callee's failure (<paramref name="error"/> not null).</summary>
    public void RecordOutcome(TResponse? response, Exception? error)
    {
        _response = response;
        _error = error;
    }

    /// <summary>Records that the caller cancelled the call.</summary>
    public void RecordCancel(CancellationToken token)
    {
        _canceled = true;
        _canceledBy = token;
    }

    /// <summary>Completes the call with the recorded outcome; the caller's continuation runs on this thread.</summary>
    public void CompleteHere()
    {
        if (_canceled)
            TrySetCanceled(_canceledBy);
        else if (_error is not null)
            TrySetException(_error);
        else
            TrySetResult(_response!);
    }

    /// <summary>Completes the call with the recorded outcome from the thread pool.</summary>
    public void CompleteOnThreadPool() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

    void IThreadPoolWorkItem.Execute() => CompleteHere();
}

/// <summary>Cancels one pending call of a call lane by its id.</summary>
internal interface ICallCanceller
{
    void Cancel(ulong id, CancellationToken token);
}
