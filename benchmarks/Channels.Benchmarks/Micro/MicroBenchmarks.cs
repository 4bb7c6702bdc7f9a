using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Channels.Benchmarks.Micro;

/// <summary>
/// The BenchmarkDotNet entry: <c>micro --filter '*'</c>. Benchmarks run in this process (in-process emit toolchain)
/// so that BenchmarkDotNet does not rebuild the solution per benchmark on a 2-core machine; every benchmark class
/// carries the memory diagnoser.
/// </summary>
public static class MicroBenchmarks
{
    /// <summary>Runs the benchmarks selected by BenchmarkDotNet's arguments.</summary>
    public static int Run(string[] args)
    {
        IConfig config = DefaultConfig.Instance
            .AddJob(Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithWarmupCount(3)
                .WithIterationCount(10)
                .WithId("in-process"))
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "channels-benchmarkdotnet"));
        BenchmarkSwitcher.FromAssembly(typeof(MicroBenchmarks).Assembly).Run(args, config);
        return 0;
    }
}
