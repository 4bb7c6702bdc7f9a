using System.Diagnostics;

namespace Channels.Queues;

/// <summary>
/// Serves the parked asynchronous operations of one lane and one <see cref="QueueCondition"/> in this process: a
/// background thread that tries them in arrival order, and otherwise sleeps on the condition's shared futex word, so
/// a put in another process wakes it directly. Started on the first parked operation; ends with the engine.
/// </summary>
[DebuggerDisplay("Pump {_condition}, {_waiters.Count} waiting")]
internal sealed class QueueWaiterPump
{
    private readonly IQueueEngine _engine;
    private readonly QueueCondition _condition;
    private readonly List<QueueWaiter> _waiters = [];
    private readonly object _lock = new();
    private QueueWaiter[] _snapshot = new QueueWaiter[4];
    private Thread? _thread;
    private Exception? _failure;

    public QueueWaiterPump(IQueueEngine engine, QueueCondition condition)
    {
        _engine = engine;
        _condition = condition;
    }

    /// <summary>Parks <paramref name="waiter"/> (the caller has just tried its operation and failed).</summary>
    public void Add(QueueWaiter waiter)
    {
        lock (_lock)
        {
            if (_failure is { } failure)
            {
                waiter.Abandon(failure);
                return;
            }
            _waiters.Add(waiter);
            if (_thread is null)
            {
                _thread = new Thread(static state => ((QueueWaiterPump)state!).Run())
                {
                    IsBackground = true,
                    Name = $"Channels queue {_engine.Name} {_condition}",
                };
                _thread.UnsafeStart(this);
            }
            else
            {
                Monitor.Pulse(_lock);
            }
        }
        // The pump may be asleep having tried every waiter but this one: wake it if there is something to do.
        if (_engine.Holds(_condition, waiter.ItemBytes))
            _engine.Wake(_condition);
    }

    private void Run()
    {
        while (true)
        {
            int count;
            lock (_lock)
            {
                _waiters.RemoveAll(static w => w.IsFinished);
                while (_waiters.Count == 0)
                    Monitor.Wait(_lock);
                count = _waiters.Count;
                if (_snapshot.Length < count)
                    _snapshot = new QueueWaiter[Math.Max(count, _snapshot.Length * 2)];
                _waiters.CopyTo(_snapshot);
            }
            try
            {
                int token = _engine.PrepareWait(_condition);
                try
                {
                    bool progress = false;
                    for (int i = 0; i < count; i++)
                    {
                        if (_snapshot[i].TryRun())
                            progress = true;
                        else if (_condition != QueueCondition.NotFull)
                            break; // FIFO among this process's getters: the first could not get, the next cannot either.
                    }
                    Array.Clear(_snapshot, 0, count);
                    if (!progress)
                        _engine.Sleep(_condition, token, QueueWaits.SliceMs);
                }
                finally
                {
                    _engine.EndWait(_condition);
                }
            }
            catch (Exception ex)
            {
                // The engine failed (host lost) or was disposed: every waiter, now and later, ends with it.
                lock (_lock)
                {
                    _failure = ex;
                    foreach (var waiter in _waiters)
                        waiter.Abandon(ex);
                    _waiters.Clear();
                }
                return;
            }
        }
    }
}
