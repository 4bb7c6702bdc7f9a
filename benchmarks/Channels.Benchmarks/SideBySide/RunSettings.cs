namespace Channels.Benchmarks.SideBySide;

/// <summary>What every system gets alike: the same rounds, warm-up and limits.</summary>
/// <param name="Runs">Timed rounds per case; the table shows their median.</param>
/// <param name="WarmupRounds">Untimed rounds of the same size before the timed ones (JIT tiering, pools, socket buffers).</param>
/// <param name="WarmupTime">
/// The least time each pair system, each queue case and each of the pool's map cases spends in those rounds: more
/// rounds follow until it has. Tier-1 compilation of a process's hot code takes seconds on 2 busy cores, longer than
/// one round of a fast case.
/// </param>
/// <param name="RoundTimeout">The longest one round may take before the system is stopped and marked failed.</param>
/// <param name="WorkDirectory">A private directory for socket files, removed at the end.</param>
public sealed record RunSettings(int Runs, int WarmupRounds, TimeSpan WarmupTime, TimeSpan RoundTimeout, string WorkDirectory);
