using System.Diagnostics;

namespace Channels.SharedMemory;

/// <summary>
/// Serves the parked asynchronous operations waiting for one shared condition in this process: one background
/// thread that tries them in arrival order and otherwise sleeps on the condition's futex word, so that a change in
/// another process wakes it directly (a thread-pool thread never blocks in a futex). Started on the first parked
/// operation; ends, failing every operation, when the source throws (gone or disposed).
/// </summary>
[DebuggerDisplay("Pump {_source.Name}, {_waiting.Count} waiting")]
internal sealed class SharedWaitPump
{
    private const int SliceMs = 250;

    private readonly ISharedWait _source;
    private readonly bool _inOrder;
    private readonly List<IPumpedOperation> _waiting = [];
    private readonly object _lock = new();
    private IPumpedOperation[] _snapshot = new IPumpedOperation[4];
    private Thread? _thread;
    private Exception? _failure;

    /// <param name="source">The condition to sleep on.</param>
    /// <param name="inOrder">Stop a pass at the first operation that cannot run (operations that compete for the same thing, such as gets, are served first come first served).</param>
    public SharedWaitPump(ISharedWait source, bool inOrder)
    {
        _source = source;
        _inOrder = inOrder;
    }

    /// <summary>Parks <paramref name="operation"/> (the caller has just tried it and failed).</summary>
    public void Add(IPumpedOperation operation)
    {
        lock (_lock)
        {
            if (_failure is { } failure)
            {
                operation.Abandon(failure);
                return;
            }
            _waiting.Add(operation);
            if (_thread is null)
            {
                _thread = new Thread(static state => ((SharedWaitPump)state!).Run())
                {
                    IsBackground = true,
                    Name = "Channels pump " + _source.Name,
                };
                _thread.UnsafeStart(this);
            }
            else
            {
                Monitor.Pulse(_lock);
            }
        }
    }

    private void Run()
    {
        while (true)
        {
            int count;
            lock (_lock)
            {
                _waiting.RemoveAll(static w => w.IsFinished);
                while (_waiting.Count == 0)
                    Monitor.Wait(_lock);
                count = _waiting.Count;
                if (_snapshot.Length < count)
                    _snapshot = new IPumpedOperation[Math.Max(count, _snapshot.Length * 2)];
                _waiting.CopyTo(_snapshot);
            }
            try
            {
                int token = _source.PrepareWait();
                try
                {
                    bool progress = false;
                    for (int i = 0; i < count; i++)
                    {
                        if (_snapshot[i].TryRun())
                            progress = true;
                        else if (_inOrder)
                            break;
                    }
                    Array.Clear(_snapshot, 0, count);
                    if (!progress)
                        _source.Sleep(token, SliceMs);
                }
                finally
                {
                    _source.EndWait();
                }
            }
            catch (Exception ex)
            {
                lock (_lock)
                {
                    _failure = ex;
                    foreach (var operation in _waiting)
                        operation.Abandon(ex);
                    _waiting.Clear();
                }
                return;
            }
        }
    }
}
