using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Channels.TestChild.Contracts;

namespace Channels.TestChild.Chaos;

/// <summary>
/// The two ends of a chaos link. The writer listens and writes 0, 1, 2, ... on ISimple.Numbers until the link ends;
/// the reader connects and checks that it reads exactly that sequence (a prefix of what was sent, whole messages, in
/// order). Each prints "end &lt;count&gt; &lt;how it ended&gt; &lt;verdict&gt; &lt;working set MB&gt; &lt;when it ended&gt;" and exits;
/// the time is a <see cref="Stopwatch.GetTimestamp"/> stamp, on the system-wide monotonic clock the driver reads too.
/// </summary>
public static class ChaosScenarios
{
    /// <summary>args: endpoint, peer timeout ms.</summary>
    [ChildScenario("chaos-writer")]
    public static async Task<int> WriterAsync(string[] args)
    {
        ChannelOptions options = Options(args[1]);
        await using ChannelListener<ISimple> listener = ISimple.Listen(args[0], options);
        Console.WriteLine("listening");
        await using ISimple link = await listener.AcceptAsync();
        Console.WriteLine("ready");
        long written = 0;
        string outcome;
        try
        {
            while (true)
            {
                await link.Numbers.WriteAsync(written);
                written++;
            }
        }
        catch (Exception ex)
        {
            outcome = ex.GetType().Name;
        }
        long ended = Stopwatch.GetTimestamp();
        Report(written, outcome, "ok", ended);
        return 0;
    }

    /// <summary>args: endpoint, peer timeout ms.</summary>
    [ChildScenario("chaos-reader")]
    public static async Task<int> ReaderAsync(string[] args)
    {
        await using ISimple.Peer peer = await ISimple.Peer.ConnectAsync(args[0], Options(args[1]));
        Console.WriteLine("ready");
        long expected = 0;
        string verdict = "ok";
        string outcome = "completed";
        try
        {
            await foreach (long number in peer.Numbers.ReadAllAsync())
            {
                if (number != expected && verdict == "ok")
                    verdict = $"bad:expected-{expected}-got-{number}";
                expected++;
            }
        }
        catch (Exception ex)
        {
            outcome = ex is ChannelClosedException { InnerException: { } inner } ? inner.GetType().Name : ex.GetType().Name;
        }
        long ended = Stopwatch.GetTimestamp();
        Report(expected, outcome, verdict, ended);
        return 0;
    }

    private static ChannelOptions Options(string peerTimeoutMs)
    {
        ChannelOptions environment = ScenarioOptions.FromEnvironment();
        return new ChannelOptions
        {
            RuntimeDirectory = environment.RuntimeDirectory,
            PeerTimeout = TimeSpan.FromMilliseconds(int.Parse(peerTimeoutMs, CultureInfo.InvariantCulture)),
            HandshakeTimeout = TimeSpan.FromSeconds(10),
        };
    }

    private static void Report(long count, string outcome, string verdict, long ended)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"end {count} {outcome} {verdict} {Environment.WorkingSet / (1024 * 1024)} {ended}"));
        Console.Out.Flush();
    }
}
