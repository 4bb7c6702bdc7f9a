using System.Diagnostics;
using System.Globalization;
using Channels.TestChild.Contracts;
using Channels.TestChild.Processes;

namespace Channels.TestChild.Chaos;

/// <summary>
/// Runs chaos trials: each joins the ends of a link, a child or a queue, lets messages flow for a random moment, then
/// SIGKILLs or SIGSTOPs one end and checks the survivors: their pending calls end within PeerTimeout + 2 s (no hang),
/// what they got keeps the delivery promises (links: exactly a prefix of what was sent; queues: see
/// <see cref="QueueChaosTrials"/>), and their memory stays bounded. Used by the CI test (one trial of every kind) and by
/// <c>Channels.TestChild chaos N</c> (long runs).
/// </summary>
public static class ChaosDriver
{
    /// <summary>Largest working set a survivor process may end with (a link end), or grow by during a trial (this process, when it survives a queue trial).</summary>
    public const long MemoryBoundMegabytes = 512;

    /// <summary>The kinds of trial (victim, signal, and for queues redelivery), taking turns by trial number.</summary>
    public const int Kinds = 18;

    /// <summary>How often a trial that cannot start (a process that does not come up in time, before any signal) is tried again.</summary>
    public const int StartAttempts = 5;

    /// <summary>What the promise allows past PeerTimeout for a survivor's pending call to end.</summary>
    internal static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    /// <summary>How long a process may take to start. A loaded machine takes long; a trial that cannot start is counted, not passed.</summary>
    internal static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(60);

    /// <summary>How long past PeerTimeout + 2 s the driver waits for a survivor's report before calling it a hang (survivors stamp their own end).</summary>
    private static readonly TimeSpan ReportSlack = TimeSpan.FromSeconds(20);

    public static async Task<IReadOnlyList<ChaosTrial>> RunAsync(int trials, int parallel, int seed, TimeSpan peerTimeout, Action<ChaosTrial>? onTrial = null)
    {
        string directory = Directory.CreateTempSubdirectory("chn-chaos-").FullName;
        var results = new ChaosTrial[trials];
        int next = -1;
        try
        {
            var workers = new Task[Math.Max(1, parallel)];
            for (int w = 0; w < workers.Length; w++)
            {
                workers[w] = Task.Run(async () =>
                {
                    int trial;
                    while ((trial = Interlocked.Increment(ref next)) < trials)
                    {
                        // Not HashCode.Combine: it is randomized per process, and a seed must mean the same trials in every run.
                        ChaosTrial result;
                        var reasons = new List<string>();
                        while (true)
                        {
                            var random = new Random(unchecked(seed * 7919 + trial));
                            result = await RunTrialAsync(trial, random, directory, peerTimeout).ConfigureAwait(false);
                            if (result.NotStarted is null || reasons.Count + 1 >= StartAttempts)
                                break;
                            reasons.Add(result.NotStarted);
                            // A machine too loaded to start a process now may manage in a moment.
                            await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                        }
                        result = result with { StartRetries = reasons.Count, RetryReasons = reasons.Count == 0 ? null : string.Join(" | ", reasons) };
                        results[trial] = result;
                        onTrial?.Invoke(result);
                    }
                });
            }
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
        return results;
    }

    private static Task<ChaosTrial> RunTrialAsync(int number, Random random, string directory, TimeSpan peerTimeout)
    {
        int delay = random.Next(20, 400);
        // The kinds take turns, so every run of 18 trials or more covers all of them; the moment is random. Kinds 0-5:
        // child, link writer, link reader (KILL, then STOP); 6-17: queue host, producer, consumer (KILL, then STOP),
        // in a plain queue, then in a redelivery queue.
        int kind = number % Kinds;
        if (kind < 6)
        {
            string signal = kind < 3 ? "KILL" : "STOP";
            return (kind % 3) switch
            {
                0 => ChildTrialAsync(number, delay, signal, directory, peerTimeout),
                1 => LinkTrialAsync(number, "writer", delay, signal, directory, peerTimeout),
                _ => LinkTrialAsync(number, "reader", delay, signal, directory, peerTimeout),
            };
        }
        int queue = kind - 6;
        string victim = (queue % 3) switch { 0 => "host", 1 => "producer", _ => "consumer" };
        return QueueChaosTrials.RunAsync(number, victim, redeliver: queue >= 6, (queue % 6) < 3 ? "KILL" : "STOP", delay, directory, peerTimeout);
    }

    private static async Task<ChaosTrial> LinkTrialAsync(int number, string victim, int delay, string signal, string directory, TimeSpan peerTimeout)
    {
        string endpoint = "chaos-" + number.ToString(CultureInfo.InvariantCulture);
        string ms = ((int)peerTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        ChaosTrial NotStarted(string reason) => ChaosTrial.StartFailure(number, "link", victim, signal, delay, reason);

        await using ChaosProcess writer = ChaosProcess.Start(directory, "chaos-writer", endpoint, ms);
        if (await writer.LineAsync("listening", StartPatience).ConfigureAwait(false) is null)
            return NotStarted("the writer did not start: " + writer.StandardError);
        await using ChaosProcess reader = ChaosProcess.Start(directory, "chaos-reader", endpoint, ms);
        if (await reader.LineAsync("ready", StartPatience).ConfigureAwait(false) is null || await writer.LineAsync("ready", StartPatience).ConfigureAwait(false) is null)
            return NotStarted("the link did not connect: " + reader.StandardError);

        await Task.Delay(delay).ConfigureAwait(false);
        ChaosProcess target = victim == "writer" ? writer : reader;
        ChaosProcess survivor = victim == "writer" ? reader : writer;
        long signalStamp = Stopwatch.GetTimestamp();
        target.Signal(signal == "KILL" ? Signals.Kill : Signals.Stop);
        // The survivor stamps the end of its call on the system-wide monotonic clock, so a slow pipe or a busy driver
        // on a loaded machine does not read as a hang; only no end at all, or a stamp past the bound, is one.
        string? end = await survivor.LineAsync("end", peerTimeout + Grace + ReportSlack).ConfigureAwait(false);
        if (end is null)
            return new ChaosTrial(number, "link", victim, signal, delay, null, 0, null, $"hang: the {(victim == "writer" ? "reader" : "writer")} did not end");

        // end <count> <outcome> <verdict> <MB> <monotonic stamp>
        string[] parts = end.Split(' ');
        long count = long.Parse(parts[1], CultureInfo.InvariantCulture);
        long megabytes = long.Parse(parts[4], CultureInfo.InvariantCulture);
        double seconds = Seconds(signalStamp, long.Parse(parts[5], CultureInfo.InvariantCulture));
        string? violation =
            seconds > (peerTimeout + Grace).TotalSeconds ? Late("the survivor's pending call", seconds)
            : parts[2] != nameof(PeerLostException) ? $"the survivor ended with {parts[2]}, not PeerLostException"
            : parts[3] != "ok" ? "not a prefix of what was sent: " + parts[3]
            : megabytes > MemoryBoundMegabytes ? $"the survivor ended with a working set of {megabytes} MB"
            : null;
        return new ChaosTrial(number, "link", victim, signal, delay, seconds, count, megabytes, violation);
    }

    private static async Task<ChaosTrial> ChildTrialAsync(int number, int delay, string signal, string directory, TimeSpan peerTimeout)
    {
        var options = new ChannelOptions { RuntimeDirectory = directory, PeerTimeout = peerTimeout };
        var (parent, peer) = IEcho.CreatePipe(options);
        await using (parent)
        {
            await using ChildProcess child = await ChildProcess.StartAsync(peer, EchoEntries.Echo, new ChildProcessOptions
            {
                ExecutablePath = ChaosProcess.DotNet,
                Arguments = [typeof(ChaosDriver).Assembly.Location],
                ChannelOptions = options,
                ShutdownGracePeriod = TimeSpan.FromSeconds(1),
            }).ConfigureAwait(false);

            using var stopWriting = new CancellationTokenSource();
            Task writes = WriteNumbersAsync(parent, stopWriting.Token);
            long expected = 0;
            string? violation = null;
            var started = new TaskCompletionSource();
            long endStamp = 0;
            Task<string> reads = Task.Run(async () =>
            {
                try
                {
                    await foreach (long answer in parent.Answers.ReadAllAsync().ConfigureAwait(false))
                    {
                        if (answer != expected)
                            violation ??= $"not a prefix of what was sent: expected {expected}, got {answer}";
                        expected++;
                        started.TrySetResult();
                    }
                    endStamp = Stopwatch.GetTimestamp();
                    return "completed";
                }
                catch (Exception ex)
                {
                    endStamp = Stopwatch.GetTimestamp();
                    return ex.GetType().Name;
                }
            });
            if (await Task.WhenAny(started.Task, Task.Delay(StartPatience)).ConfigureAwait(false) != started.Task)
            {
                stopWriting.Cancel();
                child.Kill();
                return ChaosTrial.StartFailure(number, "child", "child", signal, delay, "the child did not start echoing");
            }

            await Task.Delay(delay).ConfigureAwait(false);
            long signalStamp = Stopwatch.GetTimestamp();
            Signals.Send(child.Id, signal == "KILL" ? Signals.Kill : Signals.Stop);
            bool ended = await Task.WhenAny(reads, Task.Delay(peerTimeout + Grace + ReportSlack)).ConfigureAwait(false) == reads;
            stopWriting.Cancel();
            child.Kill();
            if (!ended)
                return new ChaosTrial(number, "child", "child", signal, delay, null, expected, null, "hang: the parent's read did not end");
            await writes.ConfigureAwait(false);
            string outcome = await reads.ConfigureAwait(false);
            double seconds = Seconds(signalStamp, endStamp);
            violation ??= seconds > (peerTimeout + Grace).TotalSeconds ? Late("the parent's read", seconds) : null;
            violation ??= outcome != nameof(PeerLostException) ? $"the parent's read ended with {outcome}, not PeerLostException" : null;
            return new ChaosTrial(number, "child", "child", signal, delay, seconds, expected, Environment.WorkingSet / (1024 * 1024), violation);
        }
    }

    private static double Seconds(long signalStamp, long endStamp) => (endStamp - signalStamp) / (double)Stopwatch.Frequency;

    private static string Late(string what, double seconds)
        => string.Create(CultureInfo.InvariantCulture, $"hang: {what} ended {seconds:0.00} s after the signal, past PeerTimeout + 2 s");

    private static async Task WriteNumbersAsync(IEcho parent, CancellationToken cancellationToken)
    {
        try
        {
            for (long i = 0; ; i++)
                await parent.Numbers.WriteAsync(i, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ChannelsException or OperationCanceledException or System.Threading.Channels.ChannelClosedException)
        {
            // The link ended: the reads tell how.
        }
    }

    /// <summary>The figures of a run, as docs/reliability.md reports them.</summary>
    public static string Summarize(IReadOnlyList<ChaosTrial> trials, TimeSpan elapsed)
    {
        int hangs = 0, violations = 0, notStarted = 0, retries = 0;
        double maxDetection = 0;
        long maxMemory = 0, delivered = 0, duplicates = 0, dropped = 0;
        var byKind = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (ChaosTrial trial in trials)
        {
            retries += trial.StartRetries;
            if (trial.NotStarted is not null)
            {
                notStarted++;
                continue;
            }
            string key = $"{trial.Kind}/{trial.Victim}/{trial.Signal}";
            byKind[key] = byKind.GetValueOrDefault(key) + 1;
            if (trial.IsHang || trial.Violation?.StartsWith("hang", StringComparison.Ordinal) == true)
                hangs++;
            if (trial.DetectionSeconds is { } seconds)
                maxDetection = Math.Max(maxDetection, seconds);
            if (trial.Violation is not null)
                violations++;
            maxMemory = Math.Max(maxMemory, trial.SurvivorMegabytes ?? 0);
            delivered += trial.Delivered;
            duplicates += trial.Duplicates;
            dropped += trial.Dropped;
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"chaos: {trials.Count - notStarted} of {trials.Count} trials ran in {elapsed.TotalSeconds:0} s; {hangs} hangs; {violations} violations; {notStarted} not started; " +
            $"{retries} start retries; slowest end {maxDetection:0.00} s after the signal; largest survivor {maxMemory} MB; {delivered} messages and items checked; " +
            $"{duplicates} duplicates (promised: redelivery, killed consumers); {dropped} items gone with killed consumers of plain queues (promised); " +
            $"trials by kind: {string.Join(", ", byKind.Select(p => p.Key + " " + p.Value))}");
    }

    /// <summary><c>Channels.TestChild chaos [trials] [parallel] [seed] [peer timeout ms]</c>: a long run; prints every violation, every trial that could not start, and the summary; exit code 1 on any.</summary>
    [ChildScenario("chaos")]
    public static async Task<int> MainAsync(string[] args)
    {
        int trials = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        int parallel = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        int seed = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : Environment.TickCount;
        var peerTimeout = TimeSpan.FromMilliseconds(args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 1000);
        Console.WriteLine($"chaos: {trials} trials, {parallel} at a time, seed {seed}, PeerTimeout {peerTimeout.TotalMilliseconds} ms");
        // A run stopped early must not leave its ends behind, stopped ones least of all.
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, _ => ChaosProcess.KillAll());
        using var interrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, _ => ChaosProcess.KillAll());
        var clock = Stopwatch.StartNew();
        int done = 0;
        IReadOnlyList<ChaosTrial> results = await RunAsync(trials, parallel, seed, peerTimeout, trial =>
        {
            int n = Interlocked.Increment(ref done);
            if (trial.Violation is not null)
                Console.WriteLine("VIOLATION " + trial);
            else if (trial.NotStarted is not null)
                Console.WriteLine("NOT STARTED " + trial);
            else if (trial.StartRetries > 0)
                Console.WriteLine($"started after {trial.StartRetries} retries: trial {trial.Number}: {trial.RetryReasons}");
            if (n % 50 == 0)
                Console.WriteLine($"{n} trials done, {clock.Elapsed.TotalSeconds:0} s");
        });
        string summary = Summarize(results, clock.Elapsed);
        Console.WriteLine(summary);
        return summary.Contains(" 0 hangs; 0 violations; 0 not started;", StringComparison.Ordinal) ? 0 : 1;
    }
}
