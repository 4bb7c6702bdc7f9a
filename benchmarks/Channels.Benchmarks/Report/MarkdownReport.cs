using System.Globalization;
using System.Text;
using Channels.Benchmarks.SideBySide;
using Channels.Benchmarks.Systems;

namespace Channels.Benchmarks.Report;

/// <summary>The generated part of <c>docs/benchmarks.md</c>: the run, the machine, the table and the targets.</summary>
public static class MarkdownReport
{
    /// <summary>Renders the block that goes between the markers.</summary>
    public static string Render(BenchmarkReport report)
    {
        var md = new StringBuilder();
        AppendRun(md, report);
        AppendMachine(md, report.Machine);
        AppendTable(md, report);
        AppendTargets(md, report);
        md.Append("![Speed relative to the hand-written baseline](benchmarks.svg)\n");
        return md.ToString();
    }

    private static void AppendRun(StringBuilder md, BenchmarkReport report)
    {
        var counts = new List<string>();
        foreach (CaseSpec spec in report.Cases)
        {
            counts.Add(string.Create(CultureInfo.InvariantCulture, $"{spec.Label} {spec.Count:N0}"));
        }

        md.Append("### This run\n\n");
        md.Append(CultureInfo.InvariantCulture, $"- Command: `dotnet run -c Release --project benchmarks/Channels.Benchmarks -- {report.Options.CommandLine}`\n");
        md.Append(CultureInfo.InvariantCulture, $"- Finished {report.Finished:yyyy-MM-dd HH:mm} UTC; the whole comparison took **{(int)report.Elapsed.TotalMinutes} min {report.Elapsed.Seconds} s** (build excluded).\n");
        md.Append(CultureInfo.InvariantCulture, $"- Scale {report.Options.Scale.ToString(CultureInfo.InvariantCulture)} of the Python seed's counts, per round: {string.Join(", ", counts)}.\n");
        md.Append(CultureInfo.InvariantCulture, $"- Every .NET system: {report.Options.WarmupRounds} untimed warm-up round(s) of the same size per case (pair systems, queue cases and pool map cases: more until they have spent {report.Options.WarmupTime.TotalSeconds:0.#} s in them), then {report.Options.Runs} timed rounds; the table shows medians. Python: the seed script with the same counts and {report.Options.Runs} runs.\n\n");
    }

    private static void AppendMachine(StringBuilder md, MachineInfo machine)
    {
        md.Append("### Machine\n\n| | |\n| --- | --- |\n");
        md.Append(CultureInfo.InvariantCulture, $"| cores (`nproc`) | {machine.Cores} |\n");
        md.Append(CultureInfo.InvariantCulture, $"| CPU | {machine.Cpu} |\n");
        md.Append(CultureInfo.InvariantCulture, $"| memory | {(machine.MemoryGiB is { } gib ? gib.ToString("0.0", CultureInfo.InvariantCulture) + " GiB" : "unknown")} |\n");
        md.Append(CultureInfo.InvariantCulture, $"| OS | {machine.Os} |\n");
        md.Append(CultureInfo.InvariantCulture, $"| .NET SDK / runtime | {machine.DotnetSdk} / {machine.DotnetRuntime} |\n");
        md.Append(CultureInfo.InvariantCulture, $"| Python | {machine.Python} |\n\n");
    }

    private static void AppendTable(StringBuilder md, BenchmarkReport report)
    {
        md.Append("### Results\n\n");
        md.Append("Ratios are against the hand-written baseline and against Python **measured in this same run**: for throughput ")
          .Append("(msgs/s; items/s for queues, tasks/s for pools) higher is better; for ping-pong and call round trips the ratio is of p50 latencies, so lower is better. ")
          .Append("Allocation is bytes allocated per message by the whole sending and receiving process during the timed rounds.\n\n");
        md.Append("| system | case | msgs/s | MB/s | × hand-written | × Python | p50 µs | p99 µs | alloc B/msg send | alloc B/msg recv | note |\n");
        md.Append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        foreach (CaseSpec spec in report.Cases)
        {
            foreach (Measurement row in report.Rows)
            {
                if (row.Case.Kind != spec.Kind)
                {
                    continue;
                }

                Measurement? baseline = report.Find(SystemNames.HandWritten, spec.Kind);
                Measurement? python = report.FindPython(spec.Kind);
                md.Append(CultureInfo.InvariantCulture, $"| {row.System} | {spec.Label} | {Format.Rate(row.MessagesPerSecond)} | {Format.Number(row.MegabytesPerSecond, 0)} | ");
                md.Append(CultureInfo.InvariantCulture, $"{Format.Ratio(BenchmarkReport.Ratio(row, baseline))} | {Format.Ratio(BenchmarkReport.Ratio(row, python))} | ");
                md.Append(CultureInfo.InvariantCulture, $"{Format.Number(row.P50Microseconds, 1)} | {Format.Number(row.P99Microseconds, 1)} | ");
                md.Append(CultureInfo.InvariantCulture, $"{Format.Bytes(row.SendAllocatedPerMessage)} | {Format.Bytes(row.ReceiveAllocatedPerMessage)} | {Escape(row.Note)} |\n");
            }
        }

        md.Append('\n');
    }

    private static void AppendTargets(StringBuilder md, BenchmarkReport report)
    {
        md.Append("### Targets (issues 9, 11, 12 and 13, DESIGN §9) in this run\n\n| target | measured | met |\n| --- | --- | --- |\n");
        string unix = SystemNames.ChannelsUnix;
        ThroughputTarget(md, report, unix, CaseKind.Small, SystemNames.HandWritten, 0.9, "small record ≥ 0.9× hand-written", withCeiling: true);
        ThroughputTarget(md, report, unix, CaseKind.Small, SystemNames.PythonPipe, 35, "small record ≥ 35× Python Pipe");
        ThroughputTarget(md, report, unix, CaseKind.Struct32, SystemNames.HandWritten, 0.5, "32 B struct ≥ 0.5× hand-written", withCeiling: true);
        ThroughputTarget(md, report, unix, CaseKind.Bytes1K, SystemNames.HandWritten, 0.9, "1 KiB ≥ 0.9× hand-written");
        ThroughputTarget(md, report, unix, CaseKind.Bytes64K, SystemNames.HandWritten, 1.0, "64 KiB ≥ 1.0× hand-written");
        LatencyTarget(md, report, unix, p99: false, 1.2, "ping-pong p50 ≤ 1.2× hand-written");
        LatencyTarget(md, report, unix, p99: true, 1.5, "ping-pong p99 ≤ 1.5× hand-written");
        ThroughputTarget(md, report, SystemNames.ChannelsInProcess, CaseKind.Struct32, SystemNames.BclBounded, 0.5, "in-process struct lane ≥ 0.5× BCL bounded channel");

        ZeroAllocationTarget(md, report, unix, "struct 32 B: 0 B/msg allocated on both sides");

        // Issue 14: metrics on cost at most 5 %.
        string metered = SystemNames.ChannelsUnixMetered;
        ThroughputTarget(md, report, metered, CaseKind.Small, unix, 0.95, "metrics on: small record ≥ 0.95× metrics off");
        ThroughputTarget(md, report, metered, CaseKind.Struct32, unix, 0.95, "metrics on: 32 B struct ≥ 0.95× metrics off");
        ThroughputTarget(md, report, metered, CaseKind.Bytes64K, unix, 0.95, "metrics on: 64 KiB ≥ 0.95× metrics off");

        // Issue 11: links over shared memory.
        string shm = SystemNames.ChannelsShm;
        ThroughputTarget(md, report, shm, CaseKind.Small, SystemNames.HandWritten, 1.5, "shared memory: small record ≥ 1.5× hand-written socket", withCeiling: true);
        ThroughputTarget(md, report, shm, CaseKind.Struct32, SystemNames.HandWritten, 1.5, "shared memory: 32 B struct ≥ 1.5× hand-written socket", withCeiling: true);
        ZeroAllocationTarget(md, report, shm, "shared memory: struct 32 B: 0 B/msg allocated on both sides");
        ThroughputTarget(md, report, shm, CaseKind.Bytes64K, SystemNames.HandWritten, 1.5, "shared memory: 64 KiB ≥ 1.5× hand-written socket");
        LatencyTarget(md, report, shm, p99: false, 0.5, "shared memory: ping-pong p50 ≤ 0.5× hand-written socket");
        AbsoluteLatencyTarget(md, report, SystemNames.ChannelsShmSpin, 3.0, "shared memory, busy-spin: ping-pong p50 ≤ 3 µs");

        string queue = SystemNames.ChannelsQueue;
        ThroughputTarget(md, report, queue, CaseKind.Queue1P1C, SystemNames.PythonQueue, 10, "queue 1P/1C ≥ 10× Python Queue (default options)", "items/s");
        ThroughputTarget(md, report, queue, CaseKind.Queue2P2C, SystemNames.PythonQueue, 10, "queue 2P/2C ≥ 10× Python Queue (default options)", "items/s");
        ThroughputTarget(md, report, queue, CaseKind.Queue4P4C, SystemNames.PythonQueue, 10, "queue 4P/4C ≥ 10× Python Queue (default options)", "items/s");

        // Issue 12: the same contracts over a local nats-server, against NATS.Net used directly.
        ThroughputTarget(md, report, SystemNames.ChannelsNats, CaseKind.Small, SystemNames.NatsRaw, 0.8, "NATS: small record one way ≥ 0.8× raw NATS.Net pub/sub (same bytes, batched up to 64 KiB)");
        ThroughputTarget(md, report, SystemNames.ChannelsNatsQueue, CaseKind.QueueJetStream1P1C, SystemNames.NatsRawJetStream, 0.8, "NATS: queue 1P/1C over JetStream ≥ 0.8× raw NATS.Net JetStream publish + pull-consume with acks", "items/s");

        // Issue 13: ProcessPool against Python's Pool, and calls against the same link's ping-pong.
        string pool = SystemNames.ChannelsPool;
        ThroughputTarget(md, report, pool, CaseKind.PoolMap, SystemNames.PythonPool, 2, "pool: MapAsync x*x ≥ 2× Python Pool.map (same worker count)", "tasks/s");
        ThroughputTarget(md, report, pool, CaseKind.PoolUnordered, SystemNames.PythonPool, 20, "pool: MapUnorderedAsync chunk 1 ≥ 20× Python imap_unordered chunk 1", "tasks/s");
        ThroughputTarget(md, report, SystemNames.ChannelsPoolTwoWorkers, CaseKind.PoolCpu, SystemNames.ChannelsPoolOneWorker, 1.8, "pool: CPU-bound ~5 ms tasks, 2 workers ≥ 1.8× 1 worker", "tasks/s");
        CallTarget(md, report, SystemNames.ChannelsUnix, 1.3, "call: CallAsync round trip p50 ≤ 1.3× the same link's ping-pong p50 (Unix socket)");
        md.Append('\n');
        AppendBaselineSpread(md, report);
    }

    // The rows above divide by the baseline's median: how far its own timed rounds spread says how far a ratio can move
    // between two runs of identical code.
    private static void AppendBaselineSpread(StringBuilder md, BenchmarkReport report)
    {
        var spreads = new List<string>();
        foreach (CaseKind kind in (CaseKind[])[CaseKind.Small, CaseKind.Struct32, CaseKind.Bytes1K, CaseKind.Bytes64K])
        {
            if (report.Find(SystemNames.HandWritten, kind) is { Runs.Count: > 0 } row)
            {
                spreads.Add($"{row.Case.Label} {Format.Rate(row.Runs.Min())}–{Format.Rate(row.Runs.Max())}");
            }
        }

        if (spreads.Count > 0)
        {
            md.Append(CultureInfo.InvariantCulture, $"The hand-written baseline's timed rounds in this run (msgs/s, lowest–highest): {string.Join("; ", spreads)}.\n\n");
        }
    }

    private static void CallTarget(StringBuilder md, BenchmarkReport report, string system, double factor, string label)
    {
        Measurement? call = report.Find(system, CaseKind.CallRoundTrip);
        Measurement? ping = report.Find(system, CaseKind.PingPong);
        if (call?.P50Microseconds is not double callP50 || ping?.P50Microseconds is not double pingP50)
        {
            Row(md, label, NotMeasured(report, system, call is null ? CaseKind.CallRoundTrip : CaseKind.PingPong), null);
            return;
        }

        double ratio = callP50 / pingP50;
        Row(md, label, string.Create(CultureInfo.InvariantCulture, $"{callP50:0.0} µs vs {pingP50:0.0} µs = {Format.Ratio(ratio)}"), ratio <= factor);
    }

    private static void ZeroAllocationTarget(StringBuilder md, BenchmarkReport report, string system, string label)
    {
        Measurement? structs = report.Find(system, CaseKind.Struct32);
        if (structs is null)
        {
            Row(md, label, NotMeasured(report, system, CaseKind.Struct32), null);
            return;
        }

        bool zero = structs.SendAllocatedPerMessage < 0.5 && structs.ReceiveAllocatedPerMessage < 0.5;
        Row(md, label, $"send {Format.Bytes(structs.SendAllocatedPerMessage)} B, receive {Format.Bytes(structs.ReceiveAllocatedPerMessage)} B", zero);
    }

    private static void AbsoluteLatencyTarget(StringBuilder md, BenchmarkReport report, string system, double microseconds, string label)
    {
        Measurement? ping = report.Find(system, CaseKind.PingPong);
        if (ping?.P50Microseconds is not double p50)
        {
            Row(md, label, NotMeasured(report, system, CaseKind.PingPong), null);
            return;
        }

        Row(md, label, string.Create(CultureInfo.InvariantCulture, $"{p50:0.0} µs"), p50 <= microseconds);
    }

    private static void LatencyTarget(StringBuilder md, BenchmarkReport report, string system, bool p99, double factor, string label)
    {
        Measurement? channelsPing = report.Find(system, CaseKind.PingPong);
        Measurement? basePing = report.Find(SystemNames.HandWritten, CaseKind.PingPong);
        if (channelsPing is null || basePing is null)
        {
            Row(md, label, NotMeasured(report, channelsPing is null ? system : SystemNames.HandWritten, CaseKind.PingPong), null);
            return;
        }

        double channels = (p99 ? channelsPing.P99Microseconds : channelsPing.P50Microseconds)!.Value;
        double baseline = (p99 ? basePing.P99Microseconds : basePing.P50Microseconds)!.Value;
        double ratio = channels / baseline;
        Row(md, label, string.Create(CultureInfo.InvariantCulture, $"{channels:0.0} µs vs {baseline:0.0} µs = {Format.Ratio(ratio)}"), ratio <= factor);
    }

    // withCeiling: the measured text also gives the codec-alone row against the same reference, the most any system
    // that encodes and decodes every message could reach in this run.
    private static void ThroughputTarget(StringBuilder md, BenchmarkReport report, string system, CaseKind kind, string reference, double factor, string label, string unit = "msgs/s", bool withCeiling = false)
    {
        Measurement? channels = report.Find(system, kind);
        Measurement? against = report.Find(reference, kind);
        if (channels is null || against is null)
        {
            Row(md, label, channels is null ? NotMeasured(report, system, kind) : NotMeasured(report, reference, kind), null);
            return;
        }

        double ratio = channels.MessagesPerSecond!.Value / against.MessagesPerSecond!.Value;
        string measured = $"{Format.Rate(channels.MessagesPerSecond)} vs {Format.Rate(against.MessagesPerSecond)} {unit} = {Format.Ratio(ratio)}";
        if (withCeiling && report.Find(SystemNames.CodecAlone, kind) is { MessagesPerSecond: double ceiling })
        {
            measured += $" (ceiling, MemoryPack alone: {Format.Rate(ceiling)} = {Format.Ratio(ceiling / against.MessagesPerSecond.Value)})";
        }

        Row(md, label, measured, ratio >= factor);
    }

    private static string NotMeasured(BenchmarkReport report, string system, CaseKind kind)
    {
        foreach (Measurement row in report.Rows)
        {
            if (row.System == system && row.Case.Kind == kind && row.Note is not null)
            {
                return $"{system}: {row.Note}";
            }
        }

        return $"{system}: not measured";
    }

    private static void Row(StringBuilder md, string target, string measured, bool? met)
        => md.Append(CultureInfo.InvariantCulture, $"| {target} | {Escape(measured)} | {(met is null ? "not measured" : met.Value ? "yes" : "**no**")} |\n");

    private static string Escape(string? text) => text is null ? string.Empty : text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
