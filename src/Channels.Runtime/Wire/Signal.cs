using System.Threading.Tasks.Sources;

namespace Channels.Wire;

/// <summary>
/// A reusable one-waiter signal for the send loop (FrameOutbox): armed under the link's send lock when the loop finds nothing to
/// send, set by the writer that appends the next frame. Setting queues the loop's continuation to the thread pool,
/// so the writer keeps appending while the loop wakes, which is what puts many frames into one send().
/// </summary>
internal sealed class Signal : IValueTaskSource, IThreadPoolWorkItem
{
    private ManualResetValueTaskSourceCore<bool> _core;

    /// <summary>Prepares the next wait; call before publishing that the loop is idle.</summary>
    public void Arm() => _core.Reset();

    /// <summary>The wait armed last.</summary>
    public ValueTask WaitAsync() => new(this, _core.Version);

    /// <summary>Wakes the waiter of the armed wait; call once per <see cref="Arm"/>.</summary>
    public void Set() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

    void IThreadPoolWorkItem.Execute() => _core.SetResult(true);

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
