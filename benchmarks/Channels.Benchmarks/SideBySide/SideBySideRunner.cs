using System.Diagnostics;
using System.Runtime.InteropServices;
using Channels.Benchmarks.Report;
using Channels.Benchmarks.Systems;
using Channels.Benchmarks.Systems.Nats;
using Channels.Benchmarks.Systems.Pool;
using Channels.Benchmarks.Systems.Python;

namespace Channels.Benchmarks.SideBySide;

/// <summary>
/// The one command of the comparison: measures every system in this run, then writes the table into
/// <c>docs/benchmarks.md</c> and the chart into <c>docs/benchmarks.svg</c>. A system that is missing or fails gets
/// rows that say why; the run itself goes on.
/// </summary>
public static class SideBySideRunner
{
    /// <summary>Runs the comparison; returns the exit code (0 even when some systems were unavailable).</summary>
    public static async Task<int> RunAsync(SideBySideOptions options)
    {
        var clock = Stopwatch.StartNew();
        var cases = new List<CaseSpec>();
        foreach (CaseSpec spec in CaseSpec.All(options.Scale))
        {
            if (options.Includes(spec.Kind))
            {
                cases.Add(spec);
            }
        }

        DirectoryInfo work = Directory.CreateTempSubdirectory("channels-bench-");
        var settings = new RunSettings(options.Runs, options.WarmupRounds, options.WarmupTime, options.RoundTimeout, work.FullName);
        var rows = new List<Measurement>();
        BenchNatsServer? nats = null;

        // Ctrl+C and SIGTERM end the process without running the finally below: stop the server and delete what it
        // would have deleted on the signal's thread (the children end by themselves once this process is gone,
        // OrphanWatch).
        void Abandon(PosixSignalContext context)
        {
            nats?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            DeleteWork(work);
        }

        using PosixSignalRegistration onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Abandon);
        using PosixSignalRegistration onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Abandon);
        try
        {
            if (options.Includes("channels-nats") || options.Includes("nats-raw"))
            {
                Console.Error.WriteLine($"[{clock.Elapsed:mm\\:ss}] starting nats-server for the NATS rows");
                nats = await BenchNatsServer.TryStartAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            }

            var pairSystems = new List<PairSystem>();
            foreach (PairSystem system in SystemCatalog.PairSystems)
            {
                if (options.Includes(system.Id))
                {
                    pairSystems.Add(system);
                }
            }

            Console.Error.WriteLine($"[{clock.Elapsed:mm\\:ss}] pair systems, rounds interleaved");
            rows.AddRange(await PairDriver.RunAsync(pairSystems, cases, settings).ConfigureAwait(false));

            foreach (QueueSystem system in SystemCatalog.QueueSystems)
            {
                if (system.OptIn ? !options.Names(system.Id) : !options.Includes(system.Id))
                {
                    continue;
                }

                Console.Error.WriteLine($"[{clock.Elapsed:mm\\:ss}] {system.DisplayName}");
                rows.AddRange(await QueueDriver.RunAsync(system, cases, settings).ConfigureAwait(false));
            }

            if (options.Includes(PoolSystem.Id))
            {
                Console.Error.WriteLine($"[{clock.Elapsed:mm\\:ss}] {SystemNames.ChannelsPool}");
                rows.AddRange(await PoolSystem.RunAsync(cases, settings).ConfigureAwait(false));
            }

            if (options.Includes("python"))
            {
                Console.Error.WriteLine($"[{clock.Elapsed:mm\\:ss}] Python multiprocessing (seed script)");
                string? script = RepositoryPaths.FindPythonScript(options.PythonScript);
                TimeSpan pythonTimeout = options.RoundTimeout * 3;
                rows.AddRange(await PythonSystem.RunAsync(script, options.Scale, options.Runs, cases, pythonTimeout).ConfigureAwait(false));
            }
        }
        finally
        {
            if (nats is not null)
            {
                await nats.DisposeAsync().ConfigureAwait(false);
            }

            DeleteWork(work);
        }

        var report = new BenchmarkReport(rows, cases, MachineInfo.Collect(), options, clock.Elapsed, DateTimeOffset.UtcNow);
        string path = DocsWriter.Write(options.OutputDirectory, report);
        Console.WriteLine(MarkdownReport.Render(report));
        Console.Error.WriteLine($"[{clock.Elapsed:mm\\:ss}] wrote {path} and benchmarks.svg");
        return 0;
    }

    private static void DeleteWork(DirectoryInfo work)
    {
        try
        {
            work.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Gone already, or a socket file still held open; the temp folder is private and small.
        }
    }
}
