using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Channels.Nats.Links;

/// <summary>
/// A connected pair of Unix stream sockets (<c>socketpair(2)</c>, which .NET does not expose): a connector's
/// handshake runs on one end exactly as over a local socket; <see cref="NatsLink"/> carries the other end's bytes
/// over NATS until the handshake is done.
/// </summary>
internal static partial class SocketPair
{
    private const int AfUnix = 1;
    private const int SockStream = 1;
    private const int SockCloexec = 0x80000;

    [LibraryImport("libc", EntryPoint = "socketpair", SetLastError = true)]
    private static unsafe partial int Native(int domain, int type, int protocol, int* fds);

    /// <summary>Creates the pair.</summary>
    /// <exception cref="IOException">The system refused (out of descriptors).</exception>
    public static unsafe (Socket Link, Socket Bridge) Create()
    {
        int* fds = stackalloc int[2];
        if (Native(AfUnix, SockStream | SockCloexec, 0, fds) != 0)
            throw new IOException($"socketpair failed (errno {Marshal.GetLastPInvokeError()}).");
        return (Wrap(fds[0]), Wrap(fds[1]));
    }

    private static Socket Wrap(int fd) => new(new SafeSocketHandle((IntPtr)fd, ownsHandle: true));
}
