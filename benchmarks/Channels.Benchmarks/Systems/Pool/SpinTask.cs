using MemoryPack;

namespace Channels.Benchmarks.Systems.Pool;

/// <summary>One CPU-bound task of the pool case: <paramref name="Iterations"/> rounds of a xorshift from <paramref name="Seed"/>.</summary>
/// <param name="Seed">Where the sequence starts (a few distinct seeds, so the parent can check every result).</param>
/// <param name="Iterations">How many rounds; calibrated by the runner to take about 5 ms.</param>
[MemoryPackable]
public readonly partial record struct SpinTask(int Seed, int Iterations);
