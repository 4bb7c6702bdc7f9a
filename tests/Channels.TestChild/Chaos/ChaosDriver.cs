using System.Diagnostics;
using System.Globalization;
using Channels.TestChild.Contracts;
using Channels.TestChild.Processes;

namespace Channels.TestChild.Chaos;

/// <summary>
/// Runs chaos trials: each joins two ends, lets messages flow for a random moment, then SIGKILLs or SIGSTOPs one end
/// and checks the survivor: its pending call ends within PeerTimeout + 2 s with PeerLostException (no hang), what it
/// read is exactly a prefix of what was sent (whole messages, in order, nothing lost before it or duplicated), and its
/// memory stays bounded. Used by the CI test (a few trials) and by <c>Channels.TestChild chaos N</c> (long runs).
/// </summary>
public static class ChaosDriver
{
    /// <summary>Largest working set a survivor may end with.</summary>
    public const long MemoryBoundMegabytes = 512;

    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(60);

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
                        var random = new Random(unchecked(seed * 7919 + trial));
                        ChaosTrial result = await RunTrialAsync(trial, random, directory, peerTimeout).ConfigureAwait(false);
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
        // The kinds take turns (victim, then signal), so every run of six trials or more covers all six; the moment is random.
        int kind = number % 6;
        string signal = kind < 3 ? "KILL" : "STOP";
        // Queue scenarios (hosts, producers, consumers) join here as further kinds.
        return (kind % 3) switch
        {
            0 => ChildTrialAsync(number, delay, signal, directory, peerTimeout),
            1 => LinkTrialAsync(number, "writer", delay, signal, directory, peerTimeout),
            _ => LinkTrialAsync(number, "reader", delay, signal, directory, peerTimeout),
        };
    }

    private static async Task<ChaosTrial> LinkTrialAsync(int number, string victim, int delay, string signal, string directory, TimeSpan peerTimeout)
    {
        string endpoint = "chaos-" + number.ToString(CultureInfo.InvariantCulture);
        string ms = ((int)peerTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        ChaosTrial Fail(string violation) => new(number, "link", victim, signal, delay, null, 0, null, violation);

        await using ChaosProcess writer = ChaosProcess.Start(directory, "chaos-writer", endpoint, ms);
        if (await writer.LineAsync("listening", StartPatience).ConfigureAwait(false) is null)
            return Fail("the writer did not start");
        await using ChaosProcess reader = ChaosProcess.Start(directory, "chaos-reader", endpoint, ms);
        if (await reader.LineAsync("ready", StartPatience).ConfigureAwait(false) is null || await writer.LineAsync("ready", StartPatience).ConfigureAwait(false) is null)
            return Fail("the link did not connect");

        await Task.Delay(delay).ConfigureAwait(false);
        ChaosProcess target = victim == "writer" ? writer : reader;
        ChaosProcess survivor = victim == "writer" ? reader : writer;
        var clock = Stopwatch.StartNew();
        target.Signal(signal == "KILL" ? Signals.Kill : Signals.Stop);
        string? end = await survivor.LineAsync("end", peerTimeout + Grace).ConfigureAwait(false);
        double seconds = clock.Elapsed.TotalSeconds;
        if (end is null)
            return Fail($"hang: the {(victim == "writer" ? "reader" : "writer")} did not end within PeerTimeout + 2 s");

        // end <count> <outcome> <verdict> <MB>
        string[] parts = end.Split(' ');
        long count = long.Parse(parts[1], CultureInfo.InvariantCulture);
        long megabytes = long.Parse(parts[4], CultureInfo.InvariantCulture);
        string? violation =
            parts[2] != nameof(PeerLostException) ? $"the survivor ended with {parts[2]}, not PeerLostException"
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
            Stopwatch? clock = null;
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
                    return "completed";
                }
                catch (Exception ex)
                {
                    return ex.GetType().Name;
                }
            });
            if (await Task.WhenAny(started.Task, Task.Delay(StartPatience)).ConfigureAwait(false) != started.Task)
                return new ChaosTrial(number, "child", "child", signal, delay, null, 0, null, "the child did not start echoing");

            await Task.Delay(delay).ConfigureAwait(false);
            clock = Stopwatch.StartNew();
            Signals.Send(child.Id, signal == "KILL" ? Signals.Kill : Signals.Stop);
            bool ended = await Task.WhenAny(reads, Task.Delay(peerTimeout + Grace)).ConfigureAwait(false) == reads;
            double seconds = clock.Elapsed.TotalSeconds;
            stopWriting.Cancel();
            child.Kill();
            if (!ended)
                return new ChaosTrial(number, "child", "child", signal, delay, null, expected, null, "hang: the parent's read did not end within PeerTimeout + 2 s");
            await writes.ConfigureAwait(false);
            string outcome = await reads.ConfigureAwait(false);
            violation ??= outcome != nameof(PeerLostException) ? $"the parent's read ended with {outcome}, not PeerLostException" : null;
            return new ChaosTrial(number, "child", "child", signal, delay, seconds, expected, Environment.WorkingSet / (1024 * 1024), violation);
        }
    }

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
        int hangs = 0, violations = 0;
        double maxDetection = 0;
        long maxMemory = 0, delivered = 0;
        var byKind = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (ChaosTrial trial in trials)
        {
            string key = $"{trial.Kind}/{trial.Victim}/{trial.Signal}";
            byKind[key] = byKind.GetValueOrDefault(key) + 1;
            if (trial.DetectionSeconds is null)
                hangs++;
            else
                maxDetection = Math.Max(maxDetection, trial.DetectionSeconds.Value);
            if (trial.Violation is not null)
                violations++;
            maxMemory = Math.Max(maxMemory, trial.SurvivorMegabytes ?? 0);
            delivered += trial.Delivered;
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"chaos: {trials.Count} trials in {elapsed.TotalSeconds:0} s; {hangs} hangs; {violations} violations; slowest end {maxDetection:0.00} s after the signal; " +
            $"largest survivor {maxMemory} MB; {delivered} messages checked; trials by kind: {string.Join(", ", byKind.Select(p => p.Key + " " + p.Value))}");
    }

    /// <summary><c>Channels.TestChild chaos [trials] [parallel] [seed] [peer timeout ms]</c>: a long run; prints every violation and the summary; exit code 1 on any.</summary>
    [ChildScenario("chaos")]
    public static async Task<int> MainAsync(string[] args)
    {
        int trials = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        int parallel = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        int seed = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : Environment.TickCount;
        var peerTimeout = TimeSpan.FromMilliseconds(args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 1000);
        Console.WriteLine($"chaos: {trials} trials, {parallel} at a time, seed {seed}, PeerTimeout {peerTimeout.TotalMilliseconds} ms");
        var clock = Stopwatch.StartNew();
        int done = 0;
        IReadOnlyList<ChaosTrial> results = await RunAsync(trials, parallel, seed, peerTimeout, trial =>
        {
            int n = Interlocked.Increment(ref done);
            if (trial.Violation is not null)
                Console.WriteLine("VIOLATION " + trial);
            if (n % 50 == 0)
                Console.WriteLine($"{n} trials done, {clock.Elapsed.TotalSeconds:0} s");
        });
        string summary = Summarize(results, clock.Elapsed);
        Console.WriteLine(summary);
        return summary.Contains(" 0 hangs; 0 violations;", StringComparison.Ordinal) ? 0 : 1;
    }
}
