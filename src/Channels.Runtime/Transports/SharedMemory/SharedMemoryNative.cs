using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Channels.Transports.SharedMemory;

/// <summary>
/// The libc calls of the shared-memory transport: an anonymous memory file (<c>memfd_create</c>, never visible in
/// any directory or in /dev/shm), which <see cref="DescriptorPassing"/> hands to the other end over the authenticated
/// Unix socket.
/// </summary>
internal static partial class SharedMemoryNative
{
    private const uint MfdCloexec = 1;

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    private static partial int Fchmod(int fd, uint mode);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int Ftruncate(int fd, long length);

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
}
