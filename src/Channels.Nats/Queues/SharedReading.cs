using System.Diagnostics;

namespace Channels.Nats.Queues;

/// <summary>
/// A reading of a queue's state at the server (its count, whether it has room), shared by every caller that asks
/// within a few milliseconds: one request in flight at a time, its answer reused while it is fresh. Dozens of waits
/// polling one full queue at once so cost one request a period, not one each.
/// </summary>
/// <typeparam name="T">What is read.</typeparam>
[DebuggerDisplay("Reading {_value}, {_at}")]
internal sealed class SharedReading<T>
{
    private readonly Func<T, ValueTask<T>> _read;
    private readonly int _freshMs;
    private readonly Lock _lock = new();
    private Task<T>? _pending;
    private T _value;
    private long _at;
    private int _generation;

    /// <param name="read">Reads the state, given the last answer (to keep when the server cannot tell).</param>
    /// <param name="initial">The answer before the first reading.</param>
    /// <param name="freshMs">How long an answer is reused, in milliseconds.</param>
    public SharedReading(Func<T, ValueTask<T>> read, T initial, int freshMs)
    {
        _read = read;
        _value = initial;
        _freshMs = freshMs;
    }

    /// <summary>The last answer if it is fresh, else the answer of the request in flight (made now if there is none).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the request goes on for the others).</exception>
    public ValueTask<T> ReadAsync(CancellationToken cancellationToken)
    {
        Task<T> pending;
        lock (_lock)
        {
            if (_at != 0 && Environment.TickCount64 - _at < _freshMs)
                return new ValueTask<T>(_value);
            if (_pending is null || _pending.IsCompleted)
                _pending = ReadOnceAsync();
            pending = _pending;
        }
        return pending.IsCompleted || !cancellationToken.CanBeCanceled ? new ValueTask<T>(pending) : new ValueTask<T>(pending.WaitAsync(cancellationToken));
    }

    /// <summary>Forgets the last answer: this process changed the state (its own put must show in its next count).</summary>
    public void Invalidate()
    {
        lock (_lock)
        {
            // A request in flight may have been answered before the change: the next caller makes a new one.
            _at = 0;
            _pending = null;
            _generation++;
        }
    }

    private async Task<T> ReadOnceAsync()
    {
        T last;
        int generation;
        lock (_lock)
        {
            last = _value;
            generation = _generation;
        }
        T value = await _read(last).ConfigureAwait(false);
        lock (_lock)
        {
            if (generation == _generation)
            {
                _value = value;
                _at = Environment.TickCount64;
            }
        }
        return value;
    }
}
