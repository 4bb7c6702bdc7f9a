namespace Channels.Lanes;

/// <summary>
/// The waiters of one side of a lane. <see cref="Add"/>, <see cref="DetachAll"/> and <see cref="Remove"/> run under
/// the lane's lock; waking runs outside it, so no continuation is ever started while a lock is held.
/// </summary>
internal sealed class WaiterList
{
    private readonly Lock _lock;
    private Waiter? _head;
    private Waiter? _cache;

    public WaiterList(Lock laneLock) => _lock = laneLock;

    /// <summary>Registers a waiter; call under the lane's lock.</summary>
    public ValueTask<bool> Add(CancellationToken cancellationToken)
    {
        Waiter waiter = Interlocked.Exchange(ref _cache, null) ?? new Waiter(this);
        waiter.Next = _head;
        _head = waiter;
        return waiter.Arm(cancellationToken);
    }

    /// <summary>Takes every registered waiter; call under the lane's lock, then <see cref="Wake"/> outside it.</summary>
    public Waiter? DetachAll()
    {
        Waiter? head = _head;
        _head = null;
        return head;
    }

    /// <summary>Completes every waiter of a detached list.</summary>
    public static void Wake(Waiter? head, bool result, Exception? error)
    {
        while (head is not null)
        {
            Waiter? next = head.Next;
            head.Next = null;
            head.Complete(result, error);
            head = next;
        }
    }

    /// <summary>Unlinks a cancelled waiter.</summary>
    public void Remove(Waiter waiter)
    {
        lock (_lock)
        {
            if (_head == waiter)
            {
                _head = waiter.Next;
            }
            else
            {
                for (Waiter? current = _head; current is not null; current = current.Next)
                {
                    if (current.Next == waiter)
                    {
                        current.Next = waiter.Next;
                        break;
                    }
                }
            }
            waiter.Next = null;
        }
    }

    /// <summary>Keeps a finished waiter for the next wait.</summary>
    public void Return(Waiter waiter) => Volatile.Write(ref _cache, waiter);
}
