using Channels.TestChild.Contracts;

namespace Channels.TestChild.Scenarios;

/// <summary>A writer for the SIGKILL trials: receipts whose notes vary from empty to larger than a ring record.</summary>
public static class KillScenarios
{
    /// <summary>The note of receipt <paramref name="i"/>: mostly short, every 37th about 300 000 characters (a frame that spans ring records).</summary>
    public static string NoteOf(long i)
    {
        int length = i % 37 == 36 ? 300_000 + (int)(i % 1000) : (int)(i * 7919 % 200);
        return new string((char)('a' + i % 26), length);
    }

    /// <summary>args: endpoint. Connects as the peer, prints "ready", then writes receipts 0, 1, 2... until killed.</summary>
    [ChildScenario("stream-varied")]
    public static async Task<int> StreamVariedAsync(string[] args)
    {
        await using ITransfer.Peer peer = await ITransfer.Peer.ConnectAsync(args[0], ScenarioOptions.FromEnvironment());
        Console.WriteLine("ready");
        for (long i = 0; ; i++)
            await peer.Receipts.WriteAsync(new Receipt { OrderId = i, Checksum = (ulong)i * 31, Note = NoteOf(i) });
    }
}
