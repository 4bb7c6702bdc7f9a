namespace Channels.Benchmarks.Messages;

/// <summary>
/// The messages every system sends: like the Python seed, a ring of 1000 distinct small records and one shared
/// byte array per payload size, so no system pays for building messages inside the timed loop.
/// </summary>
public static class Payloads
{
    /// <summary>How many distinct messages the senders cycle through.</summary>
    public const int RingSize = 1000;

    /// <summary>The 16-character string of the small record.</summary>
    public const string Text16 = "abcdefghijklmnop";

    /// <summary>Small records (i, i * 0.5, 16 chars).</summary>
    public static SmallRecord[] SmallRing { get; } = CreateSmallRing();

    /// <summary>Unmanaged 32-byte structs.</summary>
    public static Struct32[] StructRing { get; } = CreateStructRing();

    /// <summary>One 1 KiB payload.</summary>
    public static byte[] Bytes1K { get; } = new byte[1024];

    /// <summary>One 64 KiB payload.</summary>
    public static byte[] Bytes64K { get; } = new byte[64 * 1024];

    /// <summary>The ping sent in the ping-pong case.</summary>
    public static SmallRecord Ping { get; } = new(1, 0.5, Text16);

    private static SmallRecord[] CreateSmallRing()
    {
        var ring = new SmallRecord[RingSize];
        for (int i = 0; i < ring.Length; i++)
        {
            ring[i] = new SmallRecord(i, i * 0.5, Text16);
        }

        return ring;
    }

    private static Struct32[] CreateStructRing()
    {
        var ring = new Struct32[RingSize];
        for (int i = 0; i < ring.Length; i++)
        {
            ring[i] = new Struct32(i, -i, i * 0.5, i * 0.25);
        }

        return ring;
    }
}
