using Channels;
using Channels.Benchmarks.Micro;
using Channels.Benchmarks.SideBySide;

// A ProcessPool worker of the pool cases is this executable again: it runs its [PoolFunction]s and exits here.
if (ChildProcess.IsChild)
{
    return await ChildProcess.RunAsync();
}

// One executable, four roles: the side-by-side runner, BenchmarkDotNet micro benchmarks, the child processes that
// the runner re-launches from this same file (so every system runs the same build), and pool workers.
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: Channels.Benchmarks side-by-side [--scale S] [--runs N] [--out DIR] [--systems a,b] [--python-script PATH]");
    Console.Error.WriteLine("       Channels.Benchmarks micro [BenchmarkDotNet arguments, e.g. --filter '*']");
    return 2;
}

return args[0] switch
{
    "side-by-side" => await SideBySideRunner.RunAsync(SideBySideOptions.Parse(args.AsSpan(1))),
    "micro" => MicroBenchmarks.Run(args[1..]),
    ChildRoles.Verb => await ChildRoles.RunAsync(args[1..]),
    _ => Usage(args[0]),
};

static int Usage(string verb)
{
    Console.Error.WriteLine($"unknown command '{verb}': expected side-by-side or micro");
    return 2;
}
