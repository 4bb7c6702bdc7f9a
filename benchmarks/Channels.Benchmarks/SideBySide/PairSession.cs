using System.Diagnostics;
using System.Globalization;

namespace Channels.Benchmarks.SideBySide;

/// <summary>
/// One connected pair system during a run: it runs single rounds when the driver asks, keeps the timed figures per
/// case, and remembers the first failure (after which it runs nothing more and its rows say why).
/// </summary>
public sealed class PairSession : IAsyncDisposable
{
    private readonly Dictionary<CaseKind, Figures> _figures = [];
    private long[]? _latencies;

    private PairSession(PairSystem system, PairConnection? connection, string? failure)
    {
        System = system;
        Connection = connection;
        Failure = failure;
    }

    /// <summary>The system.</summary>
    public PairSystem System { get; }

    /// <summary>The connection, or <see langword="null"/> when it could not be made.</summary>
    public PairConnection? Connection { get; private set; }

    /// <summary>Why the session stopped, or <see langword="null"/> while it runs.</summary>
    public string? Failure { get; private set; }

    /// <summary>Whether the session can run rounds.</summary>
    public bool IsLive => Failure is null && Connection is not null;

    /// <summary>Connects <paramref name="system"/>, or records why it is unavailable or could not start.</summary>
    public static async Task<PairSession> StartAsync(PairSystem system, RunSettings settings)
    {
        if (system.Unavailable is { } why)
        {
            return new PairSession(system, null, why);
        }

        try
        {
            using var timeout = new CancellationTokenSource(settings.RoundTimeout);
            PairConnection connection = await system.ConnectAsync(settings.WorkDirectory, timeout.Token).ConfigureAwait(false);
            return new PairSession(system, connection, null);
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"  {system.DisplayName}: could not start: {ex}");
            return new PairSession(system, null, ex is NotImplementedException ? PairDriver.Describe(ex) : "could not start: " + PairDriver.Describe(ex));
        }
    }

    /// <summary>Runs one round of <paramref name="spec"/>; keeps its figures when <paramref name="timed"/>. A failure stops the session.</summary>
    public async Task RunRoundAsync(CaseSpec spec, bool timed, RunSettings settings)
    {
        if (!IsLive)
        {
            return;
        }

        try
        {
            if (spec.IsLatency)
            {
                await RoundTripRoundAsync(spec, timed, settings).ConfigureAwait(false);
            }
            else
            {
                await ThroughputRoundAsync(spec, timed, settings).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"  {System.DisplayName}: {spec.Label} failed: {ex}");
            Failure = ex is NotImplementedException ? PairDriver.Describe(ex) : $"failed in {spec.Label}: {PairDriver.Describe(ex)}";
            _figures.Remove(spec.Kind);
            await CloseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The row of <paramref name="spec"/>: medians of the timed rounds, or why there are none.</summary>
    public Measurement ToMeasurement(CaseSpec spec)
    {
        if (!_figures.TryGetValue(spec.Kind, out Figures? figures) || figures.Rates.Count + figures.Medians.Count == 0)
        {
            return Measurement.Missing(System.DisplayName, spec, Failure ?? "not run");
        }

        if (spec.IsLatency)
        {
            return new Measurement
            {
                System = System.DisplayName,
                Case = spec,
                P50Microseconds = Stats.Median(figures.Medians),
                P99Microseconds = Stats.Median(figures.P99s),
                Runs = figures.Medians,
            };
        }

        double rate = Stats.Median(figures.Rates);
        bool split = Connection?.Peer.IsSeparateProcess ?? true;
        return new Measurement
        {
            System = System.DisplayName,
            Case = spec,
            MessagesPerSecond = rate,
            MegabytesPerSecond = spec.PayloadBytes > 0 ? rate * spec.PayloadBytes / 1e6 : null,
            Runs = figures.Rates,

            // In one process both sides share the counter: the receiver's window spans the whole round, so its
            // figure is the sum of both sides and goes into the send column.
            SendAllocatedPerMessage = Stats.Median(split ? figures.SendAllocations : figures.ReceiveAllocations),
            ReceiveAllocatedPerMessage = split ? Stats.Median(figures.ReceiveAllocations) : null,
            Note = split ? null : "one process: allocation is both sides together",
        };
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => CloseAsync();

    private async ValueTask CloseAsync()
    {
        PairConnection? connection = Connection;
        Connection = null;
        if (connection is null)
        {
            return;
        }

        try
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"  {System.DisplayName}: error while closing: {PairDriver.Describe(ex)}");
        }
    }

    private Figures FiguresOf(CaseKind kind)
    {
        if (!_figures.TryGetValue(kind, out Figures? figures))
        {
            figures = new Figures();
            _figures[kind] = figures;
        }

        return figures;
    }

    private async Task ThroughputRoundAsync(CaseSpec spec, bool timed, RunSettings settings)
    {
        PairConnection connection = Connection!;
        await connection.Peer.SendAsync(string.Create(CultureInfo.InvariantCulture, $"recv {spec.Kind} {spec.Count}")).ConfigureAwait(false);
        await ExpectAsync(connection.Peer, "ready", settings).ConfigureAwait(false);

        // Outside the allocation count: the snapshots allocate.
        Dictionary<int, long>? threadsBefore = ThreadTimes.Enabled ? ThreadTimes.Snapshot() : null;
        JitLog.Instance?.Drain(0);
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        TimeSpan cpuBefore = Environment.CpuUsage.TotalTime;
        long start = Stopwatch.GetTimestamp();
        await WithWatchdogAsync(connection, settings, token => connection.Sender.SendAsync(spec.Kind, spec.Count, token)).ConfigureAwait(false);
        long sendAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        string[] done = (await connection.Peer.ReadReplyAsync(settings.RoundTimeout).ConfigureAwait(false)).Split(' ');
        // The sender's processor time until the receiver had everything: what this process spent on the round.
        TimeSpan sendCpu = Environment.CpuUsage.TotalTime - cpuBefore;
        if (threadsBefore is not null && timed)
        {
            Console.Error.WriteLine("      sender threads: " + ThreadTimes.Describe(threadsBefore, ThreadTimes.Snapshot(), 2));
            if (JitLog.Instance is { } jitLog)
            {
                Console.Error.WriteLine("      sender compiled: " + jitLog.Drain(8));
            }
        }

        if (done.Length != 5 || done[0] != "done")
        {
            throw new InvalidOperationException($"unexpected reply '{string.Join(' ', done)}' to recv");
        }

        long end = long.Parse(done[1], CultureInfo.InvariantCulture);
        long receiveAllocated = long.Parse(done[2], CultureInfo.InvariantCulture);
        long checksum = long.Parse(done[3], CultureInfo.InvariantCulture);
        double receiveCpu = long.Parse(done[4], CultureInfo.InvariantCulture);
        long expected = Checksums.Expected(spec.Kind, spec.Count);
        if (checksum != expected)
        {
            throw new InvalidOperationException($"receiver checksum {checksum} != expected {expected}: messages were lost or corrupted");
        }

        if (timed)
        {
            Figures figures = FiguresOf(spec.Kind);
            double rate = spec.Count / Stopwatch.GetElapsedTime(start, end).TotalSeconds;
            figures.Rates.Add(rate);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {System.DisplayName}: {Report.Format.Rate(rate)} msgs/s, processor time per message {sendCpu.TotalMilliseconds * 1e6 / spec.Count:0.0} ns sending, {receiveCpu / spec.Count:0.0} ns receiving"));
            figures.SendAllocations.Add((double)sendAllocated / spec.Count);
            figures.ReceiveAllocations.Add((double)receiveAllocated / spec.Count);
        }
    }

    // Ping-pong (the child echoes on a lane) or calls (the child serves a call lane): the parent times each round trip.
    private async Task RoundTripRoundAsync(CaseSpec spec, bool timed, RunSettings settings)
    {
        PairConnection connection = Connection!;
        long[] latencies = _latencies is { } existing && existing.Length == spec.Count ? existing : (_latencies = new long[spec.Count]);
        bool calls = spec.Kind == CaseKind.CallRoundTrip;
        ICallPairSender? caller = calls ? connection.Sender as ICallPairSender ?? throw new InvalidOperationException($"{System.DisplayName} has no call lane") : null;
        await connection.Peer.SendAsync(string.Create(CultureInfo.InvariantCulture, $"{(calls ? "serve" : "echo")} {spec.Count}")).ConfigureAwait(false);
        await ExpectAsync(connection.Peer, "ready", settings).ConfigureAwait(false);
        await WithWatchdogAsync(connection, settings, token => caller is null ? connection.Sender.PingPongAsync(latencies, token) : caller.CallRoundTripsAsync(latencies, token)).ConfigureAwait(false);
        await ExpectAsync(connection.Peer, "done", settings).ConfigureAwait(false);
        if (!timed)
        {
            return;
        }

        var micros = new double[latencies.Length];
        for (int i = 0; i < latencies.Length; i++)
        {
            micros[i] = latencies[i] * 1e6 / Stopwatch.Frequency;
        }

        Array.Sort(micros);
        Figures figures = FiguresOf(spec.Kind);
        figures.Medians.Add(Stats.PercentileOfSorted(micros, 0.5));
        figures.P99s.Add(Stats.PercentileOfSorted(micros, 0.99));
    }

    // A sender blocked on a stalled receiver would wait forever: past the round timeout the receiving end is
    // stopped, which breaks the connection and fails the send.
    private static async Task WithWatchdogAsync(PairConnection connection, RunSettings settings, Func<CancellationToken, ValueTask> send)
    {
        using var watchdog = new CancellationTokenSource(settings.RoundTimeout);
        using CancellationTokenRegistration abort = watchdog.Token.Register(static peer => ((IPeerControl)peer!).Abort(), connection.Peer);
        await send(watchdog.Token).ConfigureAwait(false);
    }

    private static async Task ExpectAsync(IPeerControl peer, string expected, RunSettings settings)
    {
        string reply = await peer.ReadReplyAsync(settings.RoundTimeout).ConfigureAwait(false);
        if (reply != expected)
        {
            throw new InvalidOperationException($"expected '{expected}' from the receiving end, got '{reply}'");
        }
    }

    private sealed class Figures
    {
        public List<double> Rates { get; } = [];

        public List<double> SendAllocations { get; } = [];

        public List<double> ReceiveAllocations { get; } = [];

        public List<double> Medians { get; } = [];

        public List<double> P99s { get; } = [];
    }
}
