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

    /// <summary>How many of <paramref name="pid"/>'s descriptors point at something whose name starts with <paramref name="targetPrefix"/> ("socket:", "/memfd:channels-link").</summary>
    public static int OpenFileDescriptorsTo(int pid, string targetPrefix)
    {
        int count = 0;
        foreach ((_, string target) in FileDescriptorTargets(pid))
        {
            if (target.StartsWith(targetPrefix, StringComparison.Ordinal))
                count++;
        }
        return count;
    }

    /// <summary>
    /// What <paramref name="pid"/>'s descriptors point at, counted by kind ("socket" 12, "/memfd:channels-link" 2,
    /// ...), for failure messages that say which descriptors a process kept.
    /// </summary>
    public static string DescribeOpenFileDescriptors(int pid)
    {
        var kinds = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach ((_, string target) in FileDescriptorTargets(pid))
        {
            // "socket:[123]" -> "socket"; "anon_inode:[eventpoll]" stays whole.
            int bracket = target.IndexOf(":[", StringComparison.Ordinal);
            string kind = bracket > 0 && char.IsDigit(target[bracket + 2]) ? target[..bracket] : target.Replace(" (deleted)", "", StringComparison.Ordinal);
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
        }
        return string.Join(", ", kinds.Select(kind => $"{kind.Key} {kind.Value}"));
    }

    /// <summary>Each open descriptor of <paramref name="pid"/> (its number) and what it points at; those closed while listed are skipped.</summary>
    public static IEnumerable<(int Descriptor, string Target)> FileDescriptorTargets(int pid)
    {
        foreach (string entry in Directory.GetFileSystemEntries($"/proc/{pid}/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(entry).LinkTarget;
            }
            catch (IOException)
            {
                continue;
            }
            if (target is not null)
                yield return (int.Parse(Path.GetFileName(entry), System.Globalization.CultureInfo.InvariantCulture), target);
        }
    }
}
