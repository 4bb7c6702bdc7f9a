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

    /// <summary>
    /// What <paramref name="pid"/>'s descriptors point at, counted by kind ("socket" 12, "/memfd:channels-link" 2,
    /// ...), for failure messages that say which descriptors a process kept.
    /// </summary>
    public static string DescribeOpenFileDescriptors(int pid)
    {
        var kinds = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (string entry in Directory.GetFileSystemEntries($"/proc/{pid}/fd"))
        {
            string target;
            try
            {
                target = new FileInfo(entry).LinkTarget ?? "?";
            }
            catch (IOException)
            {
                continue; // closed while listing
            }
            // "socket:[123]" -> "socket", "anon_inode:[eventpoll]" stays whole.
            int bracket = target.IndexOf(":[", StringComparison.Ordinal);
            if (bracket > 0 && char.IsDigit(target[bracket + 2]))
                target = target[..bracket];
            else if (target.Contains(" (deleted)", StringComparison.Ordinal))
                target = target.Replace(" (deleted)", "", StringComparison.Ordinal);
            kinds[target] = kinds.GetValueOrDefault(target) + 1;
        }
        return string.Join(", ", kinds.Select(kind => $"{kind.Key} {kind.Value}"));
    }
}
