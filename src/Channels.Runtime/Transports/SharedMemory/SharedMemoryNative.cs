using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Channels.Transports.SharedMemory;

/// <summary>
/// The libc calls of the shared-memory transport: an anonymous memory file (<c>memfd_create</c>, never visible in
/// any directory or in /dev/shm) and handing its descriptor to the other end over the authenticated Unix socket
/// (<c>SCM_RIGHTS</c>). The structures are those of 64-bit Linux (x64 and arm64 share them).
/// </summary>
internal static unsafe partial class SharedMemoryNative
{
    private const uint MfdCloexec = 1;
    private const int SolSocket = 1;
    private const int ScmRights = 1;
    private const int MsgDontWait = 0x40;
    private const int MsgCtrunc = 0x8;
    private const int MsgCmsgCloexec = 0x40000000;
    private const int EAGAIN = 11;
    private const int EINTR = 4;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    // cmsghdr (u64 length, i32 level, i32 type) followed by one descriptor, padded to 8: CMSG_SPACE(sizeof(int)).
    private const int ControlHeaderSize = 16;
    private const int ControlSpace = 24;

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    private static partial int Fchmod(int fd, uint mode);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int Ftruncate(int fd, long length);

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static partial nint SendMsg(int socket, MessageHeader* message, int flags);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static partial nint RecvMsg(int socket, MessageHeader* message, int flags);

    /// <summary>Creates an anonymous memory file of <paramref name="length"/> zero bytes, mode 0600, closed on exec.</summary>
    /// <exception cref="IOException">The kernel refused (no memfd support, out of memory).</exception>
    public static SafeFileHandle CreateMemoryFile(string name, long length)
    {
        int fd = MemfdCreate(name, MfdCloexec);
        if (fd < 0)
            throw new IOException($"Cannot create the shared memory of a link (memfd_create failed, errno {Marshal.GetLastPInvokeError()}).");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        // A memfd starts as 0777; only this user's processes may reach it through /proc, but say so in the mode too.
        if (Fchmod(fd, 0x180) != 0 || Ftruncate(fd, length) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw new IOException($"Cannot size the shared memory of a link to {length} bytes (errno {errno}).");
        }
        return handle;
    }

    /// <summary>Sends one byte carrying <paramref name="descriptor"/> over the connected Unix socket <paramref name="socket"/>.</summary>
    /// <exception cref="IOException">The socket refused.</exception>
    public static void SendDescriptor(SafeHandle socket, SafeFileHandle descriptor, byte tag)
    {
        byte* control = stackalloc byte[ControlSpace];
        new Span<byte>(control, ControlSpace).Clear();
        *(ulong*)control = ControlHeaderSize + sizeof(int);
        *(int*)(control + 8) = SolSocket;
        *(int*)(control + 12) = ScmRights;
        *(int*)(control + ControlHeaderSize) = (int)descriptor.DangerousGetHandle();
        byte data = tag;
        var iov = new IoVec { Base = &data, Length = 1 };
        var message = new MessageHeader { Iov = &iov, IovLength = 1, Control = control, ControlLength = ControlSpace };
        bool added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            while (true)
            {
                nint sent = SendMsg((int)socket.DangerousGetHandle(), &message, 0);
                if (sent == 1)
                    return;
                int errno = Marshal.GetLastPInvokeError();
                if (sent < 0 && errno == EINTR)
                    continue;
                throw new IOException($"Cannot hand the shared memory of a link to the other end (sendmsg failed, errno {errno}).");
            }
        }
        finally
        {
            if (added)
                socket.DangerousRelease();
        }
    }

    /// <summary>
    /// Receives one byte and the descriptor it carries, without waiting: returns false when nothing has arrived yet.
    /// </summary>
    /// <exception cref="ProtocolException">The other end closed, or sent a byte without exactly one descriptor.</exception>
    public static bool TryReceiveDescriptor(SafeHandle socket, out SafeFileHandle descriptor, out byte tag)
    {
        byte* control = stackalloc byte[ControlSpace];
        new Span<byte>(control, ControlSpace).Clear();
        byte data = 0;
        var iov = new IoVec { Base = &data, Length = 1 };
        var message = new MessageHeader { Iov = &iov, IovLength = 1, Control = control, ControlLength = ControlSpace };
        descriptor = null!;
        tag = 0;
        bool added = false;
        socket.DangerousAddRef(ref added);
        nint received;
        int errno;
        try
        {
            do
            {
                received = RecvMsg((int)socket.DangerousGetHandle(), &message, MsgDontWait | MsgCmsgCloexec);
                errno = received < 0 ? Marshal.GetLastPInvokeError() : 0;
            }
            while (received < 0 && errno == EINTR);
        }
        finally
        {
            if (added)
                socket.DangerousRelease();
        }
        if (received < 0 && errno == EAGAIN)
            return false;
        if (received < 0)
            throw new ProtocolException($"Receiving the shared memory of a link failed (recvmsg, errno {errno}).");
        bool hasDescriptor = message.ControlLength >= ControlHeaderSize + sizeof(int)
                             && *(ulong*)control == ControlHeaderSize + sizeof(int)
                             && *(int*)(control + 8) == SolSocket && *(int*)(control + 12) == ScmRights;
        if (hasDescriptor)
            descriptor = new SafeFileHandle(*(int*)(control + ControlHeaderSize), ownsHandle: true);
        if (received == 0 || !hasDescriptor || (message.Flags & MsgCtrunc) != 0)
        {
            descriptor?.Dispose();
            descriptor = null!;
            throw new ProtocolException(received == 0
                ? "The other end closed the connection instead of handing over the link's shared memory."
                : "The other end sent a byte without the shared-memory descriptor it announced.");
        }
        tag = data;
        return true;
    }
}
