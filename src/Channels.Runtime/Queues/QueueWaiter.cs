namespace Channels.Queues;

/// <summary>
/// An asynchronous queue operation parked on a <see cref="QueueWaiterPump"/>. Exactly one party finishes it: the
/// pump claims it before trying the operation (so a cancellation cannot strike while an item is being taken), and a
/// timeout or cancellation finishes it only while it is not claimed.
/// </summary>
internal abstract class QueueWaiter
{
    private const int Pending = 0;
    private const int Claimed = 1;
    private const int Finished = 2;

    private int _state;
    private Timer? _timer;
    private CancellationTokenRegistration _cancellation;

    public bool IsFinished => Volatile.Read(ref _state) == Finished;

    /// <summary>The item size a put waits room for (0 otherwise).</summary>
    public virtual int ItemBytes => 0;

    /// <summary>Arms the timeout and the cancellation; called once before the waiter is parked.</summary>
    public void Arm(int timeoutMs, CancellationToken cancellationToken)
    {
        if (timeoutMs != QueueWaits.Infinite)
            _timer = new Timer(static state => ((QueueWaiter)state!).Expire(), this, timeoutMs, Timeout.Infinite);
        if (cancellationToken.CanBeCanceled)
            _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((QueueWaiter)state!).Cancel(token), this);
    }

    /// <summary>Pump: tries the operation if nobody finished the waiter; true when the waiter is finished now.</summary>
    public bool TryRun()
    {
        if (Interlocked.CompareExchange(ref _state, Claimed, Pending) != Pending)
            return IsFinished;
        bool done;
        try
        {
            done = Attempt();
        }
        catch (Exception ex)
        {
            Volatile.Write(ref _state, Finished);
            Disarm();
            Fail(ex);
            return true;
        }
        if (done)
        {
            Volatile.Write(ref _state, Finished);
            Disarm();
            Succeed();
            return true;
        }
        Volatile.Write(ref _state, Pending);
        return false;
    }

    /// <summary>Ends the waiter with <paramref name="error"/> unless it finished already (the pump stops).</summary>
    public void Abandon(Exception error)
    {
        if (TryFinish())
            Fail(error);
    }

    /// <summary>Tries the operation once (taking an item, putting one, or checking a condition).</summary>
    protected abstract bool Attempt();

    /// <summary>Completes the caller's task with the result of the successful attempt.</summary>
    protected abstract void Succeed();

    protected abstract void Fail(Exception error);

    protected abstract void Canceled(CancellationToken token);

    /// <summary>The exception a timeout gives.</summary>
    protected abstract Exception TimedOut();

    private void Expire()
    {
        if (TryFinish())
            Fail(TimedOut());
    }

    private void Cancel(CancellationToken token)
    {
        if (TryFinish())
            Canceled(token);
    }

    // Waits out a running attempt (microseconds): its outcome wins if it finishes the waiter.
    private bool TryFinish()
    {
        var spin = new SpinWait();
        while (true)
        {
            int state = Interlocked.CompareExchange(ref _state, Finished, Pending);
            if (state == Pending)
            {
                Disarm();
                return true;
            }
            if (state == Finished)
                return false;
            spin.SpinOnce();
        }
    }

    private void Disarm()
    {
        _timer?.Dispose();
        _cancellation.Dispose();
    }
}
