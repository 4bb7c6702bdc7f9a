using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Channels.Transports.UnixSocket;

/// <summary>
/// One thread per process that waits in an epoll instance of its own for the sockets of quiet links (and of links
/// whose socket is full) to become ready, and tells their <see cref="SocketReadiness"/>. Every registration is
/// one-shot: once it has fired, the socket is not watched until its transport asks again.
/// </summary>
/// <remarks>
/// Why not the runtime's socket engine: it registers a socket for good, edge-triggered for reading and writing, on the
/// first asynchronous operation, and its epoll thread then wakes, and wakes a thread-pool thread, for every chunk that
/// arrives and every time the peer makes room, also while the link's own receive thread does the receiving. On a
/// stream that was a context switch or two per chunk in each process; here a busy link's socket is not armed at all.
/// </remarks>
internal sealed unsafe class ReadinessWatcher
{
    private const int MaxEvents = 64;

    private static readonly Lock s_createLock = new();
    private static ReadinessWatcher? s_shared;

    private readonly int _epoll;
    private readonly ConcurrentDictionary<long, SocketReadiness> _registrations = new();
    private long _nextId;

    private ReadinessWatcher()
    {
        _epoll = SocketNative.EpollCreate();
        var thread = new Thread(static state => ((ReadinessWatcher)state!).Run())
        {
            IsBackground = true,
            Name = "Channels socket readiness",
        };
        thread.UnsafeStart(this);
    }

    /// <summary>The process's watcher, started on first use.</summary>
    public static ReadinessWatcher Shared
    {
        get
        {
            if (Volatile.Read(ref s_shared) is { } shared)
                return shared;
            lock (s_createLock)
                return s_shared ??= new ReadinessWatcher();
        }
    }

    /// <summary>The epoll instance registrations arm themselves in.</summary>
    public int Epoll => _epoll;

    /// <summary>Adds <paramref name="readiness"/> to the registrations the thread dispatches to; returns its id.</summary>
    public long Add(SocketReadiness readiness)
    {
        long id = Interlocked.Increment(ref _nextId);
        _registrations[id] = readiness;
        return id;
    }

    /// <summary>Forgets the registration <paramref name="id"/>: an event for it that is already on its way is dropped.</summary>
    public void Remove(long id) => _registrations.TryRemove(id, out _);

    private void Run()
    {
        int size = SocketNative.EventSize;
        byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * size));
        while (true)
        {
            int count = SocketNative.EpollWait(_epoll, events, MaxEvents, -1);
            if (count < 0)
            {
                // Only a signal interrupts a wait on a valid instance.
                if (Marshal.GetLastPInvokeError() == SocketNative.EINTR)
                    continue;
                Thread.Sleep(10);
                continue;
            }
            for (int i = 0; i < count; i++)
            {
                byte* ev = events + i * size;
                long id = *(long*)(ev + SocketNative.EventDataOffset);
                if (_registrations.TryGetValue(id, out SocketReadiness? readiness))
                    readiness.OnEvents(*(uint*)ev);
            }
        }
    }
}
