using System.Diagnostics;
using System.Globalization;

namespace Channels.Benchmarks.SideBySide;

/// <summary>
/// Measures one pair system in every case it supports, with one connected pair for all cases: per case one or more
/// untimed warm-up rounds, then the timed rounds, each the same size. A failure ends that system (its pair may be
/// broken) and is written into the table; it never ends the run.
/// </summary>
public static class PairDriver
{
    /// <summary>Measures <paramref name="system"/>; returns one row per case in <paramref name="cases"/> that it supports.</summary>
    public static async Task<IReadOnlyList<Measurement>> RunAsync(PairSystem system, IReadOnlyList<CaseSpec> cases, RunSettings settings)
    {
        var supported = new List<CaseSpec>();
        foreach (CaseSpec spec in cases)
        {
            if (system.Supports(spec.Kind))
            {
                supported.Add(spec);
            }
        }

        var results = new List<Measurement>();
        if (system.Unavailable is { } why)
        {
            foreach (CaseSpec spec in supported)
            {
                results.Add(Measurement.Missing(system.DisplayName, spec, why));
            }

            return results;
        }

        PairConnection? connection = null;
        try
        {
            using (var connectTimeout = new CancellationTokenSource(settings.RoundTimeout))
            {
                connection = await system.ConnectAsync(settings.WorkDirectory, connectTimeout.Token).ConfigureAwait(false);
            }

            for (int i = 0; i < supported.Count; i++)
            {
                CaseSpec spec = supported[i];
                try
                {
                    Console.Error.WriteLine($"  {system.DisplayName}: {spec.Label} x {spec.Count:N0}");
                    Measurement row = spec.Kind == CaseKind.PingPong
                        ? await MeasurePingPongAsync(system, connection, spec, settings).ConfigureAwait(false)
                        : await MeasureThroughputAsync(system, connection, spec, settings).ConfigureAwait(false);
                    results.Add(row);
                }
                catch (Exception ex)
                {
                    Console.Error.WriteLine($"  {system.DisplayName}: {spec.Label} failed: {ex}");
                    results.Add(Measurement.Missing(system.DisplayName, spec, "failed: " + Describe(ex)));
                    for (int j = i + 1; j < supported.Count; j++)
                    {
                        results.Add(Measurement.Missing(system.DisplayName, supported[j], "not run: an earlier case failed"));
                    }

                    break;
                }
            }
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"  {system.DisplayName}: could not start: {ex}");
            foreach (CaseSpec spec in supported)
            {
                results.Add(Measurement.Missing(system.DisplayName, spec, "could not start: " + Describe(ex)));
            }
        }
        finally
        {
            if (connection is not null)
            {
                try
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    Console.Error.WriteLine($"  {system.DisplayName}: error while closing: {Describe(ex)}");
                }
            }
        }

        return results;
    }

    private static async Task<Measurement> MeasureThroughputAsync(PairSystem system, PairConnection connection, CaseSpec spec, RunSettings settings)
    {
        long expected = Checksums.Expected(spec.Kind, spec.Count);
        var rates = new List<double>();
        var sendAllocations = new List<double>();
        var receiveAllocations = new List<double>();
        for (int round = 0; round < settings.WarmupRounds + settings.Runs; round++)
        {
            await connection.Peer.SendAsync(string.Create(CultureInfo.InvariantCulture, $"recv {spec.Kind} {spec.Count}")).ConfigureAwait(false);
            await ExpectAsync(connection.Peer, "ready", settings).ConfigureAwait(false);

            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            long start = Stopwatch.GetTimestamp();
            await WithWatchdogAsync(connection, settings, token => connection.Sender.SendAsync(spec.Kind, spec.Count, token)).ConfigureAwait(false);
            long sendAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

            string[] done = (await connection.Peer.ReadReplyAsync(settings.RoundTimeout).ConfigureAwait(false)).Split(' ');
            if (done.Length != 4 || done[0] != "done")
            {
                throw new InvalidOperationException($"unexpected reply '{string.Join(' ', done)}' to recv");
            }

            long end = long.Parse(done[1], CultureInfo.InvariantCulture);
            long receiveAllocated = long.Parse(done[2], CultureInfo.InvariantCulture);
            long checksum = long.Parse(done[3], CultureInfo.InvariantCulture);
            if (checksum != expected)
            {
                throw new InvalidOperationException($"receiver checksum {checksum} != expected {expected}: messages were lost or corrupted");
            }

            if (round < settings.WarmupRounds)
            {
                continue;
            }

            double seconds = Stopwatch.GetElapsedTime(start, end).TotalSeconds;
            rates.Add(spec.Count / seconds);
            sendAllocations.Add((double)sendAllocated / spec.Count);
            receiveAllocations.Add((double)receiveAllocated / spec.Count);
        }

        double rate = Stats.Median(rates);
        bool split = connection.Peer.IsSeparateProcess;
        return new Measurement
        {
            System = system.DisplayName,
            Case = spec,
            MessagesPerSecond = rate,
            MegabytesPerSecond = spec.PayloadBytes > 0 ? rate * spec.PayloadBytes / 1e6 : null,
            Runs = rates,

            // In one process both sides share the counter: the receiver's window spans the whole round, so its
            // figure is the sum of both sides and goes into the send column.
            SendAllocatedPerMessage = split ? Stats.Median(sendAllocations) : Stats.Median(receiveAllocations),
            ReceiveAllocatedPerMessage = split ? Stats.Median(receiveAllocations) : null,
            Note = split ? null : "one process: allocation is both sides together",
        };
    }

    private static async Task<Measurement> MeasurePingPongAsync(PairSystem system, PairConnection connection, CaseSpec spec, RunSettings settings)
    {
        var medians = new List<double>();
        var p99s = new List<double>();
        var latencies = new long[spec.Count];
        var micros = new double[spec.Count];
        for (int round = 0; round < settings.WarmupRounds + settings.Runs; round++)
        {
            await connection.Peer.SendAsync(string.Create(CultureInfo.InvariantCulture, $"echo {spec.Count}")).ConfigureAwait(false);
            await ExpectAsync(connection.Peer, "ready", settings).ConfigureAwait(false);
            await WithWatchdogAsync(connection, settings, token => connection.Sender.PingPongAsync(latencies, token)).ConfigureAwait(false);
            await ExpectAsync(connection.Peer, "done", settings).ConfigureAwait(false);
            if (round < settings.WarmupRounds)
            {
                continue;
            }

            for (int i = 0; i < latencies.Length; i++)
            {
                micros[i] = latencies[i] * 1e6 / Stopwatch.Frequency;
            }

            Array.Sort(micros);
            medians.Add(Stats.PercentileOfSorted(micros, 0.5));
            p99s.Add(Stats.PercentileOfSorted(micros, 0.99));
        }

        return new Measurement
        {
            System = system.DisplayName,
            Case = spec,
            P50Microseconds = Stats.Median(medians),
            P99Microseconds = Stats.Median(p99s),
            Runs = medians,
        };
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

    /// <summary>One line for the table: the exception type and message, no stack.</summary>
    public static string Describe(Exception ex)
    {
        Exception inner = ex is AggregateException { InnerException: { } first } ? first : ex;
        string message = inner.Message.ReplaceLineEndings(" ");
        if (message.Length > 140)
        {
            message = message[..140] + "…";
        }

        return $"{inner.GetType().Name}: {message}";
    }
}
