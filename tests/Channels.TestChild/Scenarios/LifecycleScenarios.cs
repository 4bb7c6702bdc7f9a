using System.Globalization;
using Channels.TestChild.Contracts;

namespace Channels.TestChild.Scenarios;

/// <summary>Children for completion, faults, peer loss and the contract check.</summary>
public static class LifecycleScenarios
{
    /// <summary>args: endpoint. Echoes numbers until they complete, then completes echoes; a note "fail:msg" completes echoes with an error.</summary>
    [ChildScenario("echo")]
    public static async Task<int> EchoAsync(string[] args)
    {
        await using ISimple.Peer peer = await ISimple.Peer.ConnectAsync(args[0], ScenarioOptions.FromEnvironment());
        Task notes = Task.Run(async () =>
        {
            await foreach (string note in peer.Notes.ReadAllAsync())
            {
                if (note.StartsWith("fail:", StringComparison.Ordinal))
                    peer.Echoes.TryComplete(new InvalidOperationException(note.Substring(5)));
            }
        });
        try
        {
            await foreach (long number in peer.Numbers.ReadAllAsync())
                await peer.Echoes.WriteAsync(number);
            peer.Echoes.TryComplete();
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            // Echoes were completed with an error by a note.
        }
        await notes;
        return 0;
    }

    /// <summary>args: endpoint. Writes receipts without end and never reads orders; prints "ready" once connected.</summary>
    [ChildScenario("stream-forever")]
    public static async Task<int> StreamForeverAsync(string[] args)
    {
        await using ITransfer.Peer peer = await ITransfer.Peer.ConnectAsync(args[0], ScenarioOptions.FromEnvironment());
        Console.WriteLine("ready");
        for (long i = 0; ; i++)
            await peer.Receipts.WriteAsync(Checksums.MakeReceipt(i));
    }

    /// <summary>args: endpoint, contract (simple | transfer | transfer-changed). Prints "ok" or "error Type: message".</summary>
    [ChildScenario("connect")]
    public static async Task<int> ConnectAsync(string[] args)
    {
        ChannelOptions options = ScenarioOptions.FromEnvironment();
        try
        {
            IAsyncDisposable link = args[1] switch
            {
                "simple" => await ISimple.Peer.ConnectAsync(args[0], options),
                "transfer" => await ITransfer.Peer.ConnectAsync(args[0], options),
                "transfer-changed" => await ChangedTransfer.Definition.ConnectAsync(args[0], options),
                _ => throw new ArgumentException("unknown contract " + args[1]),
            };
            Console.WriteLine("ok");
            await link.DisposeAsync();
        }
        catch (ChannelsException ex)
        {
            Console.WriteLine($"error {ex.GetType().Name}: {ex.Message}");
        }
        return 0;
    }

    /// <summary>
    /// args: endpoint, payload chars, attempts. Listens as the opener; the test connects and never reads. Fills the
    /// ticks window with TryWrite, then attempts many large orders; prints what got through and the memory used.
    /// </summary>
    [ChildScenario("backpressure")]
    public static async Task<int> BackpressureAsync(string[] args)
    {
        int payloadChars = int.Parse(args[1], CultureInfo.InvariantCulture);
        int attempts = int.Parse(args[2], CultureInfo.InvariantCulture);
        await using ChannelListener<ITransfer> listener = ITransfer.Listen(args[0], ScenarioOptions.FromEnvironment());
        Console.WriteLine("listening");
        await using ITransfer opener = await listener.AcceptAsync();

        int ticks = 0;
        while (opener.Ticks.TryWrite(Checksums.MakeTick(ticks)))
            ticks++;
        Console.WriteLine($"trywrite {ticks}");

        var big = new Order(0, new string('x', payloadChars), new Address("Here", 1));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long heapBefore = GC.GetTotalMemory(true);
        long rssBefore = Environment.WorkingSet;
        var writes = new List<Task>(attempts);
        for (int i = 0; i < attempts; i++)
            writes.Add(opener.Orders.WriteAsync(big).AsTask());
        await Task.Delay(1500);
        int completed = 0;
        foreach (Task write in writes)
        {
            if (write.IsCompletedSuccessfully)
                completed++;
        }
        long rssAfter = Environment.WorkingSet;
        long heapAfter = GC.GetTotalMemory(true);
        Console.WriteLine($"written {completed} of {attempts}");
        Console.WriteLine($"heap {heapBefore} {heapAfter}");
        Console.WriteLine($"rss {rssBefore} {rssAfter}");
        Console.Out.Flush();
        // Exit without waiting for the pending writes: the test ends the connection.
        Environment.Exit(0);
        return 0;
    }
}
