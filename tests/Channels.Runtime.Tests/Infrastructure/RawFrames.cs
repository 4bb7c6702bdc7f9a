using System.Buffers.Binary;
using Channels.Wire;

namespace Channels.Runtime.Tests.Infrastructure;

/// <summary>Hand-made frames for the tests that feed a link bytes no honest peer sends.</summary>
internal static class RawFrames
{
    /// <summary>A frame of <paramref name="kind"/> on <paramref name="lane"/> carrying <paramref name="payload"/>.</summary>
    public static byte[] Frame(ushort lane, byte kind, byte[] payload)
    {
        var bytes = new byte[FrameLayout.HeaderSize + payload.Length];
        FrameLayout.WriteHeader(bytes, payload.Length, lane, (FrameKind)kind);
        payload.CopyTo(bytes, FrameLayout.HeaderSize);
        return bytes;
    }

    /// <summary>The payload of a Batch frame: each of <paramref name="encodings"/> behind its <c>u32</c> length.</summary>
    public static byte[] BatchPayload(IEnumerable<byte[]> encodings)
    {
        var payload = new List<byte>();
        foreach (byte[] encoding in encodings)
        {
            payload.AddRange(BitConverter.GetBytes(encoding.Length));
            payload.AddRange(encoding);
        }
        return [.. payload];
    }

    /// <summary>A header whose length field claims 2 GiB.</summary>
    public static byte[] GiantLength()
    {
        var bytes = new byte[FrameLayout.HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, 0x8000_0000);
        return bytes;
    }
}
