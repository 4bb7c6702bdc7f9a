using System.Globalization;
using System.Text;

namespace Channels.Benchmarks.SideBySide;

/// <summary>
/// Processor time of each thread of this process (Linux <c>/proc/self/task/*/schedstat</c>, nanoseconds), for telling
/// which thread a slow round spent its time on. Printed per timed round when <c>BENCH_THREAD_TIMES=1</c> is set.
/// </summary>
public static class ThreadTimes
{
    /// <summary>Whether the rounds print them (<c>BENCH_THREAD_TIMES=1</c>).</summary>
    public static bool Enabled { get; } = Environment.GetEnvironmentVariable("BENCH_THREAD_TIMES") == "1" && Directory.Exists("/proc/self/task");

    /// <summary>Every thread's processor time so far, by thread id.</summary>
    public static Dictionary<int, long> Snapshot()
    {
        var times = new Dictionary<int, long>();
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                string stat = File.ReadAllText(Path.Combine(task, "schedstat"));
                int space = stat.IndexOf(' ');
                times[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = long.Parse(stat.AsSpan(0, space), CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        return times;
    }

    /// <summary>The threads that ran at least <paramref name="leastMilliseconds"/> between two snapshots, busiest first.</summary>
    public static string Describe(Dictionary<int, long> before, Dictionary<int, long> after, double leastMilliseconds)
    {
        var busy = new List<(string Name, double Milliseconds)>();
        foreach ((int id, long time) in after)
        {
            double milliseconds = (time - before.GetValueOrDefault(id)) / 1e6;
            if (milliseconds >= leastMilliseconds)
            {
                busy.Add((Name(id), milliseconds));
            }
        }

        busy.Sort(static (a, b) => b.Milliseconds.CompareTo(a.Milliseconds));
        var text = new StringBuilder();
        foreach ((string name, double milliseconds) in busy)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name} {milliseconds:0} ms; ");
        }

        return text.ToString();
    }

    private static string Name(int id)
    {
        try
        {
            return File.ReadAllText($"/proc/self/task/{id}/comm").Trim() + "#" + id.ToString(CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return "ended#" + id.ToString(CultureInfo.InvariantCulture);
        }
    }
}
