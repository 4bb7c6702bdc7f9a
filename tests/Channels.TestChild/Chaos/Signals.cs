using System.Runtime.InteropServices;

namespace Channels.TestChild.Chaos;

/// <summary>POSIX signals for chaos trials.</summary>
internal static class Signals
{
    public const int Kill = 9;
    public const int Stop = 19;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    /// <summary>Sends <paramref name="signal"/>; a process that has exited already is not an error.</summary>
    public static void Send(int pid, int signal) => _ = SendSignal(pid, signal);
}
