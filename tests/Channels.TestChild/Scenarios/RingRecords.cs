using System.Buffers.Binary;

namespace Channels.TestChild.Scenarios;

/// <summary>The records both processes of a ring test agree on: sequence number, then bytes derived from it.</summary>
public static class RingRecords
{
    /// <summary>Mostly small records, sometimes large ones up to <paramref name="max"/>.</summary>
    public static int NextLength(Random random, int max)
        => random.Next(10) == 0 ? random.Next(4, max + 1) : random.Next(4, Math.Min(200, max) + 1);

    /// <summary>Writes record <paramref name="sequence"/> into <paramref name="payload"/> (at least 4 bytes).</summary>
    public static void Fill(Span<byte> payload, int sequence)
    {
        BinaryPrimitives.WriteInt32LittleEndian(payload, sequence);
        for (int i = 4; i < payload.Length; i++)
            payload[i] = (byte)(sequence * 31 + i);
    }

    /// <summary>Whether <paramref name="payload"/> is record <paramref name="sequence"/> as <see cref="Fill"/> wrote it.</summary>
    public static bool Check(ReadOnlySpan<byte> payload, int sequence)
    {
        if (payload.Length < 4 || BinaryPrimitives.ReadInt32LittleEndian(payload) != sequence)
            return false;
        for (int i = 4; i < payload.Length; i++)
        {
            if (payload[i] != (byte)(sequence * 31 + i))
                return false;
        }
        return true;
    }
}
