namespace Channels.Benchmarks.SideBySide;

/// <summary>What every system gets alike: the same rounds, warm-up and limits.</summary>
/// <param name="Runs">Timed rounds per case; the table shows their median.</param>
/// <param name="WarmupRounds">Untimed rounds of the same size before the timed ones (JIT tiering, pools, socket buffers).</param>
/// <param name="RoundTimeout">The longest one round may take before the system is stopped and marked failed.</param>
/// <param name="WorkDirectory">A private directory for socket files, removed at the end.</param>
public sealed record RunSettings(int Runs, int WarmupRounds, TimeSpan RoundTimeout, string WorkDirectory);
