using System.Globalization;

namespace Channels.Benchmarks.SideBySide;

/// <summary>
/// Ends a child of the runner once the runner is gone. A child reads its commands from standard input only between
/// rounds, so one busy in a round would not see it close: a raw NATS receiver whose runner and server were killed
/// waits for records forever.
/// </summary>
public static class OrphanWatch
{
    private const int ExitCode = 3;

    /// <summary>Starts watching this process's parent; exits with code 3 once the process has another parent.</summary>
    public static void Start()
    {
        int parent = ParentId();
        var watch = new Thread(() =>
        {
            while (ParentId() == parent)
            {
                Thread.Sleep(500);
            }

            Environment.Exit(ExitCode);
        })
        {
            IsBackground = true,
            Name = "orphan watch",
        };
        watch.Start();
    }

    // /proc/self/stat is "pid (comm) state ppid …"; comm may hold spaces and parentheses, so read after the last ')'.
    private static int ParentId()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[1], CultureInfo.InvariantCulture);
    }
}
