using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Channels.Transports.UnixSocket;

/// <summary>
/// The libc calls the Unix socket transport makes itself: a private socket pair, and an epoll instance of its own
/// (<see cref="ReadinessWatcher"/>). The structures are those of 64-bit Linux; <c>epoll_event</c> is packed on x64
/// (12 bytes) and naturally aligned elsewhere (16 bytes).
/// </summary>
internal static unsafe partial class SocketNative
{
    public const uint EpollIn = 0x001;
    public const uint EpollOut = 0x004;
    public const uint EpollErr = 0x008;
    public const uint EpollHup = 0x010;
    public const uint EpollRdHup = 0x2000;
    public const uint EpollOneShot = 1u << 30;

    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const int EpollCtlMod = 3;

    public const int EINTR = 4;
    public const int ENOENT = 2;

    private const int AfUnix = 1;
    private const int SockStream = 1;
    private const int SockCloexec = 0x80000;
    private const int EpollCloexec = 0x80000;

    /// <summary>Bytes per <c>epoll_event</c>: packed on x64, 8-aligned data elsewhere.</summary>
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86 ? 12 : 16;

    /// <summary>Where the event's data (our registration id) starts within it.</summary>
    public static readonly int EventDataOffset = EventSize == 12 ? 4 : 8;

    [LibraryImport("libc", EntryPoint = "socketpair", SetLastError = true)]
    private static partial int SocketPairNative(int domain, int type, int protocol, int* descriptors);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtlNative(int epoll, int operation, int descriptor, byte* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epoll, byte* events, int maxEvents, int timeout);

    /// <summary>A connected pair of Unix stream sockets (which .NET does not expose), both closed on exec.</summary>
    /// <exception cref="IOException">The kernel refused (out of descriptors).</exception>
    public static (Socket First, Socket Second) SocketPair()
    {
        int* descriptors = stackalloc int[2];
        if (SocketPairNative(AfUnix, SockStream | SockCloexec, 0, descriptors) != 0)
            throw new IOException($"Cannot create a socket pair (socketpair failed, errno {Marshal.GetLastPInvokeError()}).");
        var first = new SafeSocketHandle(descriptors[0], ownsHandle: true);
        var second = new SafeSocketHandle(descriptors[1], ownsHandle: true);
        return (new Socket(first), new Socket(second));
    }

    /// <summary>A new epoll instance, closed on exec.</summary>
    /// <exception cref="IOException">The kernel refused.</exception>
    public static int EpollCreate()
    {
        int epoll = EpollCreate1(EpollCloexec);
        if (epoll < 0)
            throw new IOException($"Cannot create an epoll instance (errno {Marshal.GetLastPInvokeError()}).");
        return epoll;
    }

    /// <summary><c>epoll_ctl</c> with one event; returns 0 or the errno.</summary>
    public static int EpollCtl(int epoll, int operation, int descriptor, uint events, long data)
    {
        byte* ev = stackalloc byte[16];
        *(uint*)ev = events;
        *(long*)(ev + EventDataOffset) = data;
        return EpollCtlNative(epoll, operation, descriptor, ev) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }
}
