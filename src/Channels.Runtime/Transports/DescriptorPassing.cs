using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Channels.Transports;

/// <summary>
/// Hands a file descriptor to the other end of a connected Unix socket (<c>SCM_RIGHTS</c>): one byte, a tag, carries
/// it. The links use it once after the handshake, over the authenticated socket: the shared memory of a link, or its
/// private socket pair. The structures are those of 64-bit Linux (x64 and arm64 share them).
/// </summary>
internal static partial class DescriptorPassing
{
    private const int SolSocket = 1;
    private const int ScmRights = 1;
    private const int MsgDontWait = 0x40;
    private const int MsgCtrunc = 0x8;
    private const int MsgCmsgCloexec = 0x40000000;
    private const int EAGAIN = 11;
    private const int EINTR = 4;

    // cmsghdr (u64 length, i32 level, i32 type) followed by one descriptor, padded to 8: CMSG_SPACE(sizeof(int)).
    private const int ControlHeaderSize = 16;
    private const int ControlSpace = 24;

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static unsafe partial nint SendMsg(int socket, MessageHeader* message, int flags);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static unsafe partial nint RecvMsg(int socket, MessageHeader* message, int flags);

    /// <summary>Sends one byte, <paramref name="tag"/>, carrying <paramref name="descriptor"/> over <paramref name="socket"/>.</summary>
    /// <param name="socket">The connected socket.</param>
    /// <param name="descriptor">The descriptor the other end receives a copy of.</param>
    /// <param name="tag">The byte that carries it, which says what it is.</param>
    /// <param name="what">What the descriptor is, for the error message ("the shared memory of a link").</param>
    /// <exception cref="IOException">The socket refused.</exception>
    public static unsafe void Send(SafeHandle socket, SafeHandle descriptor, byte tag, string what)
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
                throw new IOException($"Cannot hand {what} to the other end (sendmsg failed, errno {errno}).");
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
    /// The descriptor is closed on exec.
    /// </summary>
    /// <param name="socket">The connected socket.</param>
    /// <param name="descriptor">The descriptor received, owned by the caller.</param>
    /// <param name="tag">The byte that carried it.</param>
    /// <param name="what">What the descriptor is, for the error message ("the shared memory of a link").</param>
    /// <exception cref="ProtocolException">The other end closed, or sent a byte without exactly one descriptor.</exception>
    public static unsafe bool TryReceive(SafeHandle socket, out SafeFileHandle descriptor, out byte tag, string what)
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
            throw new ProtocolException($"Receiving {what} failed (recvmsg, errno {errno}).");
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
                ? $"The other end closed the connection instead of handing over {what}."
                : $"The other end sent a byte without the descriptor of {what} it announced.");
        }
        tag = data;
        return true;
    }

    /// <summary>Waits for the byte that carries a descriptor (<see cref="TryReceive"/>) without holding a thread.</summary>
    /// <exception cref="ProtocolException">The other end closed, or sent a byte without exactly one descriptor.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public static async ValueTask<(SafeFileHandle Descriptor, byte Tag)> ReceiveAsync(Socket socket, string what, CancellationToken cancellationToken)
    {
        SafeFileHandle descriptor;
        byte tag;
        while (!TryReceive(socket.SafeHandle, out descriptor, out tag, what))
            await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        return (descriptor, tag);
    }
}
