namespace Channels.Benchmarks.SideBySide;

/// <summary>
/// Measures all pair systems together. Every system is connected first; then, case by case, each system runs its
/// warm-up rounds (at least the given number, and for at least the given time), and the timed rounds are interleaved (run 1 of every system, then run 2, starting each run with
/// the next system), so a burst of load from elsewhere on a shared machine falls on all systems alike instead of
/// on whichever happened to be measured at the time.
/// </summary>
public static class PairDriver
{
    /// <summary>Measures <paramref name="systems"/>; returns one row per system and supported case.</summary>
    public static async Task<IReadOnlyList<Measurement>> RunAsync(IReadOnlyList<PairSystem> systems, IReadOnlyList<CaseSpec> cases, RunSettings settings)
    {
        if (systems.Count == 0)
        {
            return [];
        }

        var sessions = new List<PairSession>();
        try
        {
            foreach (PairSystem system in systems)
            {
                Console.Error.WriteLine($"  connecting {system.DisplayName}");
                sessions.Add(await PairSession.StartAsync(system, settings).ConfigureAwait(false));
            }

            foreach (CaseSpec spec in cases)
            {
                if (!spec.IsPair)
                {
                    continue;
                }

                Console.Error.WriteLine($"  {spec.Label} x {spec.Count:N0}");
                await WarmUpAsync(sessions, spec, settings).ConfigureAwait(false);

                for (int run = 0; run < settings.Runs; run++)
                {
                    for (int i = 0; i < sessions.Count; i++)
                    {
                        PairSession session = sessions[(run + i) % sessions.Count];
                        if (session.System.Supports(spec.Kind))
                        {
                            await session.RunRoundAsync(spec, timed: true, settings).ConfigureAwait(false);
                        }
                    }
                }
            }

            var rows = new List<Measurement>();
            foreach (PairSession session in sessions)
            {
                foreach (CaseSpec spec in cases)
                {
                    if (session.System.Supports(spec.Kind))
                    {
                        rows.Add(session.ToMeasurement(spec));
                    }
                }
            }

            return rows;
        }
        finally
        {
            foreach (PairSession session in sessions)
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    // Untimed rounds, interleaved like the timed ones, until every live system has run WarmupRounds of them and spent
    // WarmupTime in them. A system that fails stops warming up (its session is no longer live).
    private static async Task WarmUpAsync(List<PairSession> sessions, CaseSpec spec, RunSettings settings)
    {
        var spent = new TimeSpan[sessions.Count];
        for (int round = 0; ; round++)
        {
            bool ran = false;
            for (int i = 0; i < sessions.Count; i++)
            {
                PairSession session = sessions[i];
                if (!session.IsLive || !session.System.Supports(spec.Kind) || (round >= settings.WarmupRounds && spent[i] >= settings.WarmupTime))
                {
                    continue;
                }

                long started = System.Diagnostics.Stopwatch.GetTimestamp();
                await session.RunRoundAsync(spec, timed: false, settings).ConfigureAwait(false);
                spent[i] += System.Diagnostics.Stopwatch.GetElapsedTime(started);
                ran = true;
            }

            if (!ran)
            {
                return;
            }
        }
    }

    /// <summary>One line for the table: the exception type and message, no stack.</summary>
    public static string Describe(Exception ex)
    {
        Exception inner = ex is AggregateException { InnerException: { } first } ? first : ex;
        if (inner is NotImplementedException)
        {
            return "unavailable: not implemented in this build (its branch is not merged yet)";
        }

        string message = inner.Message.ReplaceLineEndings(" ");
        if (message.Length > 140)
        {
            message = message[..140] + "…";
        }

        return $"{inner.GetType().Name}: {message}";
    }
}
