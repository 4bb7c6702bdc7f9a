using System.Runtime.InteropServices;

namespace Channels.Runtime.Tests.Infrastructure;

/// <summary>Sends POSIX signals to processes the tests started.</summary>
internal static class Signals
{
    public const int Kill = 9;
    public const int Term = 15;
    public const int Continue = 18;
    public const int Stop = 19;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    public static void Send(int pid, int signal)
    {
        if (SendSignal(pid, signal) != 0)
            throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}.");
    }

    /// <summary>How many file descriptors <paramref name="pid"/> has open.</summary>
    public static int OpenFileDescriptors(int pid) => Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;
}
