using System.Buffers.Binary;
using System.Net.Sockets;
using Channels.Benchmarks.Messages;
using Channels.Benchmarks.SideBySide;
using MemoryPack;

namespace Channels.Benchmarks.Systems.CodecAlone;

/// <summary>
/// The decoding half: the baseline's in-place decoding of length-prefixed frames, over the ring of payloads encoded
/// once before any round (so it reads exactly what the baseline's receiver reads, from memory instead of a socket).
/// The socket carries only the parent's two signals of a round: encoding started, encoding done.
/// </summary>
public sealed class CodecAloneReceiver(Socket socket) : IPairReceiver
{
    private readonly byte[] _signal = new byte[1];
    private readonly byte[] _small = Encode(Payloads.SmallRing);
    private readonly byte[] _structs = Encode(Payloads.StructRing);

    /// <inheritdoc/>
    public ValueTask<long> ReceiveAsync(CaseKind kind, int count, CancellationToken cancellationToken)
    {
        WaitForSignal();
        long checksum = kind == CaseKind.Small ? DecodeSmall(count) : DecodeStructs(count);
        WaitForSignal();
        return ValueTask.FromResult(checksum);
    }

    /// <inheritdoc/>
    public ValueTask EchoAsync(int count, CancellationToken cancellationToken)
        => throw new NotSupportedException("the codec-alone system has no ping-pong case");

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private void WaitForSignal()
    {
        if (socket.Receive(_signal) != 1)
        {
            throw new EndOfStreamException("the parent closed the codec-alone socket in the middle of a round");
        }
    }

    private static byte[] Encode<T>(T[] ring)
    {
        using var stream = new MemoryStream();
        Span<byte> prefix = stackalloc byte[sizeof(int)];
        foreach (T value in ring)
        {
            byte[] encoded = MemoryPackSerializer.Serialize(value);
            BinaryPrimitives.WriteInt32LittleEndian(prefix, encoded.Length);
            stream.Write(prefix);
            stream.Write(encoded);
        }

        return stream.ToArray();
    }

    private long DecodeSmall(int count)
    {
        long checksum = 0;
        int offset = 0;
        for (int i = 0; i < count; i++)
        {
            checksum += Checksums.Of(MemoryPackSerializer.Deserialize<SmallRecord>(NextFrame(_small, i, ref offset))!);
        }

        return checksum;
    }

    private long DecodeStructs(int count)
    {
        long checksum = 0;
        int offset = 0;
        for (int i = 0; i < count; i++)
        {
            Struct32 value = MemoryPackSerializer.Deserialize<Struct32>(NextFrame(_structs, i, ref offset));
            checksum += Checksums.Of(in value);
        }

        return checksum;
    }

    // The payload of message i of a round, read in place from the ring of frames (which starts over every RingSize).
    private static ReadOnlySpan<byte> NextFrame(byte[] frames, int i, ref int offset)
    {
        if (i % Payloads.RingSize == 0)
        {
            offset = 0;
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(frames.AsSpan(offset));
        ReadOnlySpan<byte> payload = frames.AsSpan(offset + sizeof(int), length);
        offset += sizeof(int) + length;
        return payload;
    }
}
