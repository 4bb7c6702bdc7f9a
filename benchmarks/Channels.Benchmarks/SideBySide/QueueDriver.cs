using System.Diagnostics;
using System.Globalization;

namespace Channels.Benchmarks.SideBySide;

/// <summary>
/// Measures a queue system as the Python seed measures its Queue: this process hosts the queue; producer and
/// consumer child processes (kept for all rounds of a case, so warm-up counts) put and take small records; the
/// clock runs from the producers' start signal to the last consumer's last item.
/// </summary>
public static class QueueDriver
{
    /// <summary>Measures <paramref name="system"/> in the queue cases of <paramref name="cases"/>.</summary>
    public static async Task<IReadOnlyList<Measurement>> RunAsync(QueueSystem system, IReadOnlyList<CaseSpec> cases, RunSettings settings)
    {
        var rows = new List<Measurement>();
        foreach (CaseSpec spec in cases)
        {
            if (!spec.IsQueue || !system.Supports(spec.Kind))
            {
                continue;
            }

            if (system.Unavailable is { } why)
            {
                rows.Add(Measurement.Missing(system.DisplayName, spec, why));
                continue;
            }

            try
            {
                Console.Error.WriteLine($"  {system.DisplayName}: {spec.Label} x {spec.Count:N0}");
                rows.Add(await MeasureAsync(system, spec, settings).ConfigureAwait(false));
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine($"  {system.DisplayName}: {spec.Label} failed: {ex}");
                rows.Add(Measurement.Missing(system.DisplayName, spec, Failed(ex)));
            }
        }

        return rows;
    }

    private static async Task<Measurement> MeasureAsync(QueueSystem system, CaseSpec spec, RunSettings settings)
    {
        int producers = spec.Kind switch
        {
            CaseKind.Queue1P1C or CaseKind.QueueJetStream1P1C => 1,
            CaseKind.Queue2P2C => 2,
            _ => 4,
        };
        int consumers = producers;
        int perProducer = spec.Count / producers;
        int total = perProducer * producers;
        long expected = Checksums.Expected(CaseKind.Small, perProducer) * producers;
        string name = string.Create(CultureInfo.InvariantCulture, $"bench-{Environment.ProcessId}-{spec.Kind}").ToLowerInvariant();

        IAsyncDisposable host = await system.HostAsync(name, CancellationToken.None).ConfigureAwait(false);
        var producerHosts = new List<ChildHost>();
        var consumerHosts = new List<ChildHost>();
        try
        {
            for (int i = 0; i < producers; i++)
            {
                producerHosts.Add(ChildHost.Start($"{system.Id}-producer-{i}", [QueueRoles.Producer, system.Id, name]));
            }

            for (int i = 0; i < consumers; i++)
            {
                consumerHosts.Add(ChildHost.Start($"{system.Id}-consumer-{i}", [QueueRoles.Consumer, system.Id, name]));
            }

            await ExpectAllAsync(producerHosts, "open", settings).ConfigureAwait(false);
            await ExpectAllAsync(consumerHosts, "open", settings).ConfigureAwait(false);

            // Untimed rounds as for the pair systems: at least WarmupRounds, and for at least WarmupTime (the
            // producers' and consumers' hot paths are compiled at tier 1 only after seconds on two busy cores).
            TimeSpan warming = TimeSpan.Zero;
            for (int round = 0; round < settings.WarmupRounds || warming < settings.WarmupTime; round++)
            {
                warming += (await RoundAsync().ConfigureAwait(false)).Elapsed;
            }

            var rates = new List<double>();
            var allocations = new List<double>();
            for (int round = 0; round < settings.Runs; round++)
            {
                (TimeSpan elapsed, long allocated) = await RoundAsync().ConfigureAwait(false);
                rates.Add(total / elapsed.TotalSeconds);
                allocations.Add((double)allocated / total);
            }

            return new Measurement
            {
                System = system.DisplayName,
                Case = spec,
                MessagesPerSecond = Stats.Median(rates),
                ReceiveAllocatedPerMessage = Stats.Median(allocations),
                Runs = rates,
            };

            // One round: the consumers take, the producers put, the clock runs from the start signal to the last item taken.
            async Task<(TimeSpan Elapsed, long Allocated)> RoundAsync()
            {
                foreach (ChildHost consumer in consumerHosts)
                {
                    await consumer.SendAsync("take").ConfigureAwait(false);
                }

                await ExpectAllAsync(consumerHosts, "ready", settings).ConfigureAwait(false);
                long start = Stopwatch.GetTimestamp();
                foreach (ChildHost producer in producerHosts)
                {
                    await producer.SendAsync(string.Create(CultureInfo.InvariantCulture, $"put {perProducer}")).ConfigureAwait(false);
                }

                await ExpectAllAsync(producerHosts, "done", settings).ConfigureAwait(false);
                (long end, long allocated) = await WaitForAllTakenAsync(consumerHosts, total, expected, start, settings).ConfigureAwait(false);
                return (Stopwatch.GetElapsedTime(start, end), allocated);
            }
        }
        finally
        {
            foreach (ChildHost child in producerHosts)
            {
                await child.DisposeAsync().ConfigureAwait(false);
            }

            foreach (ChildHost child in consumerHosts)
            {
                await child.DisposeAsync().ConfigureAwait(false);
            }

            await host.DisposeAsync().ConfigureAwait(false);
        }
    }

    // The consumers' reports until every item of the round is counted; returns the time of the last item taken
    // and the consumers' allocation.
    private static async Task<(long End, long Allocated)> WaitForAllTakenAsync(List<ChildHost> consumers, long total, long expected, long start, RunSettings settings)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(settings.RoundTimeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            long received = 0;
            long checksum = 0;
            long allocated = 0;
            long end = start;
            foreach (ChildHost consumer in consumers)
            {
                await consumer.SendAsync("report").ConfigureAwait(false);
                string[] done = (await consumer.ReadReplyAsync(settings.RoundTimeout).ConfigureAwait(false)).Split(' ');
                if (done.Length != 5 || done[0] != "done")
                {
                    throw new InvalidOperationException($"unexpected consumer reply '{string.Join(' ', done)}'");
                }

                received += long.Parse(done[1], CultureInfo.InvariantCulture);
                end = Math.Max(end, long.Parse(done[2], CultureInfo.InvariantCulture));
                allocated += long.Parse(done[3], CultureInfo.InvariantCulture);
                checksum += long.Parse(done[4], CultureInfo.InvariantCulture);
            }

            if (received == total)
            {
                return checksum == expected
                    ? (end, allocated)
                    : throw new InvalidOperationException($"consumers took {total} items with checksum {checksum}, expected {expected}");
            }

            if (received > total || Stopwatch.GetTimestamp() > deadline)
            {
                throw new InvalidOperationException($"consumers took {received} items of {total} put in this round");
            }

            await Task.Delay(2).ConfigureAwait(false);
        }
    }

    private static async Task ExpectAllAsync(List<ChildHost> children, string expected, RunSettings settings)
    {
        foreach (ChildHost child in children)
        {
            string reply = await child.ReadReplyAsync(settings.RoundTimeout).ConfigureAwait(false);
            if (reply != expected)
            {
                throw new InvalidOperationException($"expected '{expected}' from a queue child, got '{reply}'");
            }
        }
    }

    private static string Failed(Exception ex) => ex is NotImplementedException ? PairDriver.Describe(ex) : "failed: " + PairDriver.Describe(ex);
}
