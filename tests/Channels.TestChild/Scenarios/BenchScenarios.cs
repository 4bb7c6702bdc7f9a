using System.Diagnostics;
using System.Globalization;
using Channels.TestChild.Contracts;

namespace Channels.TestChild.Scenarios;

/// <summary>
/// A quick two-process throughput and allocation probe (not a test): <c>bench count</c> listens, starts itself as
/// <c>bench-peer</c>, sends <c>count</c> longs on one lane and reports messages per second and bytes allocated per
/// message on both sides.
/// </summary>
public static class BenchScenarios
{
    [ChildScenario("bench")]
    public static async Task<int> BenchAsync(string[] args)
    {
        long count = long.Parse(args[0], CultureInfo.InvariantCulture);
        string name = "bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        await using ChannelListener<ISimple> listener = ISimple.Listen(name, ScenarioOptions.FromEnvironment());
        var info = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
            info.ArgumentList.Add(typeof(BenchScenarios).Assembly.Location);
        info.ArgumentList.Add("bench-peer");
        info.ArgumentList.Add(name);
        info.ArgumentList.Add(args[0]);
        using Process child = Process.Start(info)!;
        try
        {
            await using ISimple opener = await listener.AcceptAsync();
            for (long i = 0; i < 10_000; i++)
                await opener.Numbers.WriteAsync(i);
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            for (long i = 0; i < count; i++)
                await opener.Numbers.WriteAsync(i);
            long sendAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            opener.Numbers.Complete();
            string? report = await child.StandardOutput.ReadLineAsync();
            clock.Stop();
            await child.WaitForExitAsync();
            Console.WriteLine($"sent {count:N0} longs in {clock.Elapsed.TotalMilliseconds:N0} ms: {count / clock.Elapsed.TotalSeconds:N0} msg/s; sender allocated {(double)sendAllocated / count:0.###} B/msg; {report}");
            return 0;
        }
        finally
        {
            if (!child.HasExited)
                child.Kill();
        }
    }

    [ChildScenario("bench-peer")]
    public static async Task<int> BenchPeerAsync(string[] args)
    {
        long count = long.Parse(args[1], CultureInfo.InvariantCulture);
        await using ISimple.Peer peer = await ISimple.Peer.ConnectAsync(args[0], ScenarioOptions.FromEnvironment());
        long received = 0;
        long allocated = 0;
        while (await peer.Numbers.WaitToReadAsync())
        {
            while (peer.Numbers.TryRead(out long value))
            {
                if (++received == 10_000)
                    allocated = GC.GetTotalAllocatedBytes(precise: true);
            }
        }
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        Console.WriteLine($"receiver got {received - 10_000:N0}, allocated {(double)allocated / (received - 10_000):0.###} B/msg");
        return 0;
    }

    [ChildScenario("pingpong")]
    public static async Task<int> PingPongAsync(string[] args)
    {
        int rounds = int.Parse(args[0], CultureInfo.InvariantCulture);
        string name = "pp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        await using ChannelListener<ISimple> listener = ISimple.Listen(name, ScenarioOptions.FromEnvironment());
        var info = new ProcessStartInfo(Environment.ProcessPath!);
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
            info.ArgumentList.Add(typeof(BenchScenarios).Assembly.Location);
        info.ArgumentList.Add("echo");
        info.ArgumentList.Add(name);
        using Process child = Process.Start(info)!;
        try
        {
            await using ISimple opener = await listener.AcceptAsync();
            var samples = new double[rounds];
            for (int i = -1000; i < rounds; i++)
            {
                long start = Stopwatch.GetTimestamp();
                await opener.Numbers.WriteAsync(i);
                await opener.Echoes.ReadAsync();
                if (i >= 0)
                    samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }
            Array.Sort(samples);
            Console.WriteLine($"ping-pong over {rounds:N0} rounds: p50 {samples[rounds / 2]:0.0} us, p99 {samples[rounds * 99 / 100]:0.0} us");
            opener.Numbers.Complete();
            opener.Notes.Complete();
            await child.WaitForExitAsync();
            return 0;
        }
        finally
        {
            if (!child.HasExited)
                child.Kill();
        }
    }
}
