using System.Runtime.InteropServices;

namespace Channels.Transports;

/// <summary>
/// Removes the socket and key files of this process's live listeners when the process exits without disposing them:
/// a normal exit, or SIGTERM, which .NET turns into an orderly exit that runs <see cref="AppDomain.ProcessExit"/>. (SIGKILL runs nothing; the next listener replaces such stale files.)
/// </summary>
internal static class EndpointFileCleanup
{
    private static readonly HashSet<string> s_files = new(StringComparer.Ordinal);
    private static bool s_hooked;
    private static PosixSignalRegistration? s_terminate;

    /// <summary>Removes <paramref name="files"/> at process exit unless <see cref="Unregister"/> is called first.</summary>
    public static void Register(params ReadOnlySpan<string> files)
    {
        lock (s_files)
        {
            foreach (string file in files)
                s_files.Add(file);
            if (!s_hooked)
            {
                s_hooked = true;
                AppDomain.CurrentDomain.ProcessExit += static (_, _) => DeleteAll();
                // Not cancelled: the default handling (an orderly exit) follows the removal.
                s_terminate ??= PosixSignalRegistration.Create(PosixSignal.SIGTERM, static _ => DeleteAll());
            }
        }
    }

    /// <summary>Forgets files that their owner removes itself.</summary>
    public static void Unregister(params ReadOnlySpan<string> files)
    {
        lock (s_files)
        {
            foreach (string file in files)
                s_files.Remove(file);
        }
    }

    private static void DeleteAll()
    {
        string[] files;
        lock (s_files)
        {
            files = [.. s_files];
            s_files.Clear();
        }
        foreach (string file in files)
            UnixSockets.TryDelete(file);
    }
}
