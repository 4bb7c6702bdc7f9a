using System.Diagnostics;

namespace Channels.Hosting;

/// <summary>
/// The child processes that live as long as the host: <see cref="Add"/> each child started with
/// <see cref="ChildProcess"/>, and the host stops them all when it stops (after its listeners have stopped and their
/// links have completed). Stopping a child tells it that its parent is going, waits for its grace period, then kills it.
/// </summary>
[DebuggerDisplay("ChildProcessGroup ({Count} children)")]
public sealed class ChildProcessGroup : IAsyncDisposable
{
    private readonly List<ChildProcess> _children = new();
    private bool _stopped;

    /// <summary>How many children the group holds.</summary>
    public int Count
    {
        get
        {
            lock (_children)
                return _children.Count;
        }
    }

    /// <summary>Adds <paramref name="child"/>, to be stopped with the host; returns it.</summary>
    /// <exception cref="InvalidOperationException">The group has stopped (the host is stopping): the child is stopped at once.</exception>
    public ChildProcess Add(ChildProcess child)
    {
        ArgumentNullException.ThrowIfNull(child);
        lock (_children)
        {
            if (!_stopped)
            {
                _children.Add(child);
                return child;
            }
        }
        _ = child.DisposeAsync().AsTask();
        throw new InvalidOperationException($"The child process group has stopped (the host is stopping); child {child.Id} was not added and is being stopped.");
    }

    /// <summary>Stops every child at once (each within its own grace period) and waits for all of them.</summary>
    public async Task StopAllAsync()
    {
        ChildProcess[] children;
        lock (_children)
        {
            _stopped = true;
            children = _children.ToArray();
            _children.Clear();
        }
        var stopping = new Task[children.Length];
        for (int i = 0; i < children.Length; i++)
            stopping[i] = children[i].DisposeAsync().AsTask();
        await Task.WhenAll(stopping).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => new(StopAllAsync());
}
