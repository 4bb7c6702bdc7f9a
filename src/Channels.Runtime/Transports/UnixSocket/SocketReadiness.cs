using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace Channels.Transports.UnixSocket;

/// <summary>
/// Waits, without a thread, for one socket to become readable or writable, through the process's
/// <see cref="ReadinessWatcher"/>. At most one wait per direction at a time (the transport's quiet receive, and its
/// send loop when the socket is full); a wait also ends when the socket fails, hangs up or this is disposed, and the
/// caller then finds out why from its next receive or send.
/// </summary>
[DebuggerDisplay("Readiness {_id}: read {_wantRead}, write {_wantWrite}, disposed {_disposed}")]
internal sealed class SocketReadiness : IDisposable
{
    private readonly SafeSocketHandle _handle;
    private readonly ReadinessWatcher _watcher;
    private readonly long _id;
    private readonly Lock _lock = new();
    private readonly Completion _readable = new();
    private readonly Completion _writable = new();
    private bool _wantRead;
    private bool _wantWrite;
    private bool _added;
    private bool _disposed;

    public SocketReadiness(SafeSocketHandle handle)
    {
        _handle = handle;
        _watcher = ReadinessWatcher.Shared;
        _id = _watcher.Add(this);
    }

    /// <summary>Completes once the socket has bytes to read, has been shut down or failed.</summary>
    public ValueTask WhenReadableAsync() => Arm(_readable, read: true);

    /// <summary>Completes once the socket has room to send, or failed.</summary>
    public ValueTask WhenWritableAsync() => Arm(_writable, read: false);

    private ValueTask Arm(Completion completion, bool read)
    {
        lock (_lock)
        {
            if (_disposed)
                return ValueTask.CompletedTask;
            completion.Reset();
            if (read)
                _wantRead = true;
            else
                _wantWrite = true;
            if (UpdateLocked())
                return completion.Task;
        }
        // The socket cannot be watched (closed meanwhile): the caller's next operation says why.
        EndWaits();
        return ValueTask.CompletedTask;
    }

    /// <summary>Called by the watcher's thread with what epoll reported; the registration is disarmed by then.</summary>
    internal void OnEvents(uint events)
    {
        bool readable;
        bool writable;
        lock (_lock)
        {
            if (_disposed)
                return;
            bool failed = (events & (SocketNative.EpollErr | SocketNative.EpollHup)) != 0;
            readable = _wantRead && (failed || (events & (SocketNative.EpollIn | SocketNative.EpollRdHup)) != 0);
            writable = _wantWrite && (failed || (events & SocketNative.EpollOut) != 0);
            if (readable)
                _wantRead = false;
            if (writable)
                _wantWrite = false;
            // One-shot disarmed both directions: the one still waited for is armed again.
            if ((_wantRead || _wantWrite) && !UpdateLocked())
            {
                readable |= _wantRead;
                writable |= _wantWrite;
                _wantRead = _wantWrite = false;
            }
        }
        if (readable)
            _readable.Signal();
        if (writable)
            _writable.Signal();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            if (_added)
                Control(SocketNative.EpollCtlDel, 0);
        }
        _watcher.Remove(_id);
        EndWaits();
    }

    private void EndWaits()
    {
        bool read;
        bool write;
        lock (_lock)
        {
            read = _wantRead;
            write = _wantWrite;
            _wantRead = _wantWrite = false;
        }
        if (read)
            _readable.Signal();
        if (write)
            _writable.Signal();
    }

    // Arms the one-shot registration for what is wanted now; false when the socket is gone.
    private bool UpdateLocked()
    {
        uint events = SocketNative.EpollOneShot;
        if (_wantRead)
            events |= SocketNative.EpollIn | SocketNative.EpollRdHup;
        if (_wantWrite)
            events |= SocketNative.EpollOut;
        int error = Control(_added ? SocketNative.EpollCtlMod : SocketNative.EpollCtlAdd, events);
        if (error == SocketNative.ENOENT && _added)
            error = Control(SocketNative.EpollCtlAdd, events);
        if (error != 0)
            return false;
        _added = true;
        return true;
    }

    private int Control(int operation, uint events)
    {
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            return SocketNative.EpollCtl(_watcher.Epoll, operation, (int)_handle.DangerousGetHandle(), events, _id);
        }
        catch (ObjectDisposedException)
        {
            return -1;
        }
        finally
        {
            if (added)
                _handle.DangerousRelease();
        }
    }

    /// <summary>One reusable wait: its continuation runs on the thread pool, never on the watcher's thread.</summary>
    private sealed class Completion : IValueTaskSource
    {
        private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
        private int _signalled;

        public ValueTask Task => new(this, _core.Version);

        public void Reset()
        {
            _core.Reset();
            Volatile.Write(ref _signalled, 0);
        }

        public void Signal()
        {
            // A wait ends once, whoever ends it (an event, or disposal racing with it).
            if (Interlocked.Exchange(ref _signalled, 1) == 0)
                _core.SetResult(true);
        }

        public void GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
            => _core.OnCompleted(continuation, state, token, flags);
    }
}
