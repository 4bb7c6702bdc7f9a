using Channels.Benchmarks.Messages;

namespace Channels.Benchmarks.SideBySide;

/// <summary>What a receiver's checksum must be when every message of a round arrived intact and in order-independent sum.</summary>
public static class Checksums
{
    /// <summary>The contribution of one small record.</summary>
    public static long Of(SmallRecord message) => message.Id + message.Text.Length;

    /// <summary>The contribution of one struct.</summary>
    public static long Of(in Struct32 message) => message.A + (long)message.D;

    /// <summary>The contribution of one byte payload.</summary>
    public static long Of(byte[] message) => message.Length;

    /// <summary>The checksum of <paramref name="count"/> messages of <paramref name="kind"/> sent from the start of the rings.</summary>
    public static long Expected(CaseKind kind, int count)
    {
        long sum = 0;
        for (int i = 0; i < count; i++)
        {
            int slot = i % Payloads.RingSize;
            sum += kind switch
            {
                CaseKind.Small => Of(Payloads.SmallRing[slot]),
                CaseKind.Struct32 => Of(in Payloads.StructRing[slot]),
                CaseKind.Bytes1K => Payloads.Bytes1K.Length,
                CaseKind.Bytes64K => Payloads.Bytes64K.Length,
                _ => 0,
            };
        }

        return sum;
    }
}
