using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text;

namespace Channels.Benchmarks.SideBySide;

/// <summary>
/// The methods the runtime compiled in this process, with their optimization tier and how long each took, from the
/// runtime's own JIT events. Printed per timed round with the thread times when <c>BENCH_JIT_LOG=1</c> is set too: it
/// names what the tiered-compilation thread was doing in a slow round (and costs the rounds the listener's own work).
/// </summary>
public sealed class JitLog : EventListener
{
    private const EventKeywords JitKeyword = (EventKeywords)0x10;
    private const int MethodLoadVerbose = 143;
    private const int MethodJittingStarted = 145;

    private readonly ConcurrentDictionary<long, long> _started = new();
    private readonly ConcurrentQueue<(string Method, int Tier, double Milliseconds)> _compiled = new();

    /// <summary>The log of this process, listening from its first use when enabled; otherwise null.</summary>
    public static JitLog? Instance { get; } =
        ThreadTimes.Enabled && Environment.GetEnvironmentVariable("BENCH_JIT_LOG") == "1" ? new JitLog() : null;

    /// <summary>Takes what was compiled since the last call: the slowest <paramref name="most"/> compilations.</summary>
    public string Drain(int most)
    {
        var all = new List<(string Method, int Tier, double Milliseconds)>();
        while (_compiled.TryDequeue(out var compiled))
        {
            all.Add(compiled);
        }

        all.Sort(static (a, b) => b.Milliseconds.CompareTo(a.Milliseconds));
        double total = 0;
        foreach (var compiled in all)
        {
            total += compiled.Milliseconds;
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{all.Count} methods, {total:0.0} ms: ");
        for (int i = 0; i < Math.Min(most, all.Count); i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{all[i].Method} (tier {all[i].Tier}) {all[i].Milliseconds:0.0} ms; ");
        }

        return text.ToString();
    }

    /// <inheritdoc/>
    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, JitKeyword);
        }
    }

    /// <inheritdoc/>
    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.Payload is null)
        {
            return;
        }

        if (eventData.EventId == MethodJittingStarted)
        {
            _started[Convert.ToInt64(eventData.Payload[0], CultureInfo.InvariantCulture)] = eventData.TimeStamp.Ticks;
        }
        else if (eventData.EventId == MethodLoadVerbose)
        {
            long id = Convert.ToInt64(eventData.Payload[0], CultureInfo.InvariantCulture);
            int flags = Convert.ToInt32(eventData.Payload[5], CultureInfo.InvariantCulture);
            double milliseconds = _started.TryRemove(id, out long started) ? (eventData.TimeStamp.Ticks - started) / 1e4 : -1;
            string name = $"{eventData.Payload[6]}.{eventData.Payload[7]}";
            _compiled.Enqueue((name, (flags >> 7) & 0x7, milliseconds));
        }
    }
}
