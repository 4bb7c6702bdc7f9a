using System.Globalization;
using Channels.TestChild.Contracts;
using Channels.TestChild.Processes;

namespace Channels.TestChild.Hardening;

/// <summary>Processes for the hardening regression tests: long-lived listeners, a program without the child line, a default runtime directory.</summary>
public static class HardeningScenarios
{
    /// <summary>
    /// args: endpoint [handshake timeout ms] [max pending handshakes]. Listens on ISimple, prints "listening", and
    /// echoes numbers on every accepted link until killed.
    /// </summary>
    [ChildScenario("hold-listener")]
    public static async Task<int> HoldListenerAsync(string[] args)
    {
        ChannelOptions defaults = ScenarioOptions.FromEnvironment();
        var options = new ChannelOptions
        {
            RuntimeDirectory = defaults.RuntimeDirectory,
            Key = defaults.Key,
            HandshakeTimeout = args.Length > 1 ? TimeSpan.FromMilliseconds(int.Parse(args[1], CultureInfo.InvariantCulture)) : defaults.HandshakeTimeout,
            MaxPendingHandshakes = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : defaults.MaxPendingHandshakes,
        };
        await using ChannelListener<ISimple> listener = ISimple.Listen(args[0], options);
        Console.WriteLine("listening");
        await foreach (ISimple link in listener.AcceptAllAsync())
            _ = EchoAsync(link);
        return 0;
    }

    private static async Task EchoAsync(ISimple link)
    {
        await using (link)
        {
            try
            {
                await foreach (long number in link.Echoes.ReadAllAsync())
                    await link.Numbers.WriteAsync(number);
            }
            catch (Exception ex) when (ex is ChannelsException or System.Threading.Channels.ChannelClosedException)
            {
                // The peer went away.
            }
        }
    }

    /// <summary>
    /// With the default runtime directory (no options): listens on a named endpoint, connects to it, echoes one
    /// number, prints "ok &lt;directory&gt;".
    /// </summary>
    [ChildScenario("self-connect")]
    public static async Task<int> SelfConnectAsync(string[] args)
    {
        await using ChannelListener<ISimple> listener = ISimple.Listen("self");
        await using ISimple.Peer peer = await ISimple.Peer.ConnectAsync("self");
        await using ISimple opener = await listener.AcceptAsync();
        await opener.Numbers.WriteAsync(42);
        long got = await peer.Numbers.ReadAsync();
        Console.WriteLine($"ok {got} {Path.GetDirectoryName(listener.Endpoint.Substring("unix:".Length))}");
        return 0;
    }

    /// <summary>
    /// A program whose Main lacks the child line (Program.cs runs this before it): starts itself as a child running
    /// an echo entry. The child, running Main from the top, reaches this again and must fail at once instead of
    /// starting a grandchild. Prints "child-lost &lt;exit code&gt;" and "failure &lt;message&gt;".
    /// args: marker (makes the processes findable by the test).
    /// </summary>
    public static async Task<int> StartWithoutEntryLineAsync(string[] args)
    {
        var (parent, child) = IEcho.CreatePipe(ScenarioOptions.FromEnvironment());
        await using (parent)
        {
            string dll = typeof(HardeningScenarios).Assembly.Location;
            await using ChildProcess process = await ChildProcess.StartAsync(child, EchoEntries.Echo, new ChildProcessOptions
            {
                ExecutablePath = Environment.ProcessPath,
                Arguments = [dll, "start-without-entry-line", .. args],
                ShutdownGracePeriod = TimeSpan.FromSeconds(5),
            });
            try
            {
                await parent.Numbers.WriteAsync(1);
                await parent.Answers.ReadAsync();
                Console.WriteLine("child-answered");
            }
            catch (PeerLostException lost)
            {
                Console.WriteLine($"child-lost {lost.ExitCode}");
            }
            await process.WaitForExitAsync();
            Console.WriteLine($"failure {process.Failure?.RemoteMessage}");
        }
        return 0;
    }
}
