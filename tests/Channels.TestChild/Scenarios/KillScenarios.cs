using Channels.TestChild.Contracts;

namespace Channels.TestChild.Scenarios;

/// <summary>Writers for the SIGKILL trials: receipts whose notes vary from empty to larger than a ring record; byte arrays from empty to 300 KB.</summary>
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

    /// <summary>
    /// Array <paramref name="i"/>: every third at least 16 KiB (a frame the reading end receives into the array
    /// itself), some up to 300 KB, the rest small; its bytes a pattern of <paramref name="i"/> and the position.
    /// </summary>
    public static byte[] ArrayOf(long i)
    {
        int length = i % 3 == 2 ? 16_384 + (int)(i * 7919 % 300_000) : (int)(i * 31 % 2000);
        var bytes = new byte[length];
        for (int k = 0; k < length; k++)
            bytes[k] = (byte)(i * 13 + k * 7 + (k >> 9));
        return bytes;
    }

    /// <summary>args: endpoint. Connects as the peer of <see cref="IBlobs"/>, prints "ready", then writes arrays 0, 1, 2... until killed.</summary>
    [ChildScenario("stream-arrays")]
    public static async Task<int> StreamArraysAsync(string[] args)
    {
        await using IBlobs.Peer peer = await IBlobs.Peer.ConnectAsync(args[0], ScenarioOptions.FromEnvironment());
        Console.WriteLine("ready");
        for (long i = 0; ; i++)
            await peer.Uploads.WriteAsync(ArrayOf(i));
    }
}
