using System.Runtime.InteropServices;

namespace Channels.Transports;

/// <summary>
/// The libc calls that .NET does not expose: the effective user id, a file's owner, the descriptor limit and mkdtemp. <c>statx</c> is used
/// because its buffer layout is the same on every Linux architecture (unlike <c>struct stat</c>).
/// </summary>
internal static partial class UnixNative
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int StatxUidOffset = 20;
    private const int StatxBufferSize = 256;

    [LibraryImport("libc", SetLastError = true)]
    private static partial uint geteuid();

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirFd, string path, int flags, uint mask, byte* buffer);

    private const int RlimitNoFile = 7;

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static unsafe partial int GetResourceLimit(int resource, ulong* limits);

    /// <summary>The process's soft limit of open file descriptors (<c>RLIMIT_NOFILE</c>), or -1 when unknown or unlimited.</summary>
    public static unsafe long OpenFileLimit()
    {
        // struct rlimit is two rlim_t (unsigned long) on every 64-bit Linux: soft, then hard.
        ulong* limits = stackalloc ulong[2];
        if (GetResourceLimit(RlimitNoFile, limits) != 0 || limits[0] > long.MaxValue)
            return -1;
        return (long)limits[0];
    }

    [LibraryImport("libc", EntryPoint = "mkdtemp", SetLastError = true)]
    private static unsafe partial byte* MakeTemporaryDirectory(byte* template);

    /// <summary>
    /// Creates a new directory <c>&lt;prefix&gt;XXXXXX</c> with mode 0700 (libc <c>mkdtemp</c>): the name is random and
    /// the creation exclusive, so nobody else can have made it or be handed it.
    /// </summary>
    /// <exception cref="IOException">The directory cannot be created.</exception>
    public static unsafe string CreatePrivateDirectory(string prefix)
    {
        byte[] template = System.Text.Encoding.UTF8.GetBytes(prefix + "XXXXXX\0");
        fixed (byte* buffer = template)
        {
            if (MakeTemporaryDirectory(buffer) == null)
                throw new IOException($"Cannot create a private directory '{prefix}XXXXXX' (errno {Marshal.GetLastPInvokeError()}).");
        }
        return System.Text.Encoding.UTF8.GetString(template, 0, template.Length - 1);
    }

    /// <summary>The effective user id of this process.</summary>
    public static uint EffectiveUserId => geteuid();

    /// <summary>The owner of <paramref name="path"/> (not following a final symlink).</summary>
    /// <exception cref="IOException">The file cannot be examined.</exception>
    public static unsafe uint GetOwner(string path)
    {
        byte* buffer = stackalloc byte[StatxBufferSize];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
            throw new IOException($"Cannot examine '{path}' (errno {Marshal.GetLastPInvokeError()}).");
        return *(uint*)(buffer + StatxUidOffset);
    }
}
