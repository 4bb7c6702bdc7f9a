using System.Buffers;
using System.Buffers.Binary;
using Channels.Runtime.Tests.Infrastructure;
using Channels.Wire;
using CsCheck;
using Xunit;
using Xunit.Abstractions;

namespace Channels.Runtime.Tests.Fuzz;

/// <summary>
/// Property-based fuzzing of everything a link parses from the other process after the handshake: frame headers,
/// whole frames split across buffers, Credit payloads, Batch entries and Fault payloads. Inputs are half structured
/// (a valid-looking frame with one field bent) and half random bytes.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class WireFuzzTests(ITestOutputHelper output)
{
    private const int MaxFrame = 4096;
    private const int Lanes = 3;

    /// <summary>One frame: a header whose fields are sometimes right and sometimes not, and a payload.</summary>
    private static readonly Gen<byte[]> Frame =
        Gen.Select(Gen.Int[0, 9], Gen.Int[0, 4], Gen.Byte.Array[0, 96], Gen.Int[0, 5], Gen.UInt, (kind, lane, payload, lengthMode, anyLength) =>
        {
            uint length = lengthMode switch
            {
                0 => anyLength,                                      // any length field at all
                1 => (uint)(payload.Length + FrameLayout.LengthOverhead + 1), // one more than is there
                _ => (uint)(payload.Length + FrameLayout.LengthOverhead),
            };
            var frame = new byte[FrameLayout.HeaderSize + payload.Length];
            BinaryPrimitives.WriteUInt32LittleEndian(frame, length);
            BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(4), lane == 4 ? FrameLayout.LinkLane : (ushort)lane);
            frame[6] = (byte)kind;
            payload.CopyTo(frame, FrameLayout.HeaderSize);
            return frame;
        });

    private static readonly Gen<byte[]> Stream = Gen.Frequency(
        (3, Frame.Array[1, 6].Select(frames => frames.SelectMany(f => f).ToArray())),
        (1, Gen.Byte.Array[0, 256]));

    [Fact]
    public void FrameStreamsSplitAnywhereParseOrAreRefusedCleanly()
        => FuzzRun.Sample(output, "frames", Gen.Select(Stream, Gen.Int[0, 300]), input =>
        {
            (byte[] bytes, int split) = input;
            split = Math.Min(split, bytes.Length);
            FuzzRun.Refuses<ProtocolException>(() => ParseAll(Segments.Of(bytes.AsMemory(0, split), bytes.AsMemory(split))), bytes.Length);
        }, FuzzRun.Iterations());

    [Fact]
    public void BatchPayloadsWalkOrAreRefusedCleanly()
        => FuzzRun.Sample(output, "batch entries", BatchPayload, payload =>
            FuzzRun.Refuses<ProtocolException>(() => WalkBatch(payload), payload.Length), FuzzRun.Iterations());

    [Fact]
    public void FaultPayloadsDecodeOrAreRefusedCleanly()
        => FuzzRun.Sample(output, "fault payloads", FaultPayloadGen, payload =>
            FuzzRun.Refuses<ProtocolException>(() => FaultPayload.Decode(payload), payload.Length), FuzzRun.Iterations());

    [Fact]
    public void CreditPayloadsDecodeOrAreRefusedCleanly()
        => FuzzRun.Sample(output, "credit payloads", Gen.Byte.Array[FrameLayout.CreditPayloadSize], payload =>
            FuzzRun.Refuses<ProtocolException>(() =>
            {
                (int messages, int bytes) = FrameParser.ReadCredit(payload);
                Assert.True(messages >= 0 && bytes >= 0);
            }, payload.Length), FuzzRun.Iterations(0.25));

    [Theory]
    [InlineData(uint.MaxValue)]
    [InlineData(int.MaxValue)]
    [InlineData(MaxFrame + 1)]
    public void AHugeLengthFieldAllocatesNothing(uint length)
    {
        var header = new byte[FrameLayout.HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, length);
        header[6] = (byte)FrameKind.Data;
        var fault = new byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(fault, length);
        var batch = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(batch, length);
        Assert.Throws<ProtocolException>(() => ParseAll(new ReadOnlySequence<byte>(header))); // warm up (JIT, exception machinery)

        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<ProtocolException>(() => ParseAll(new ReadOnlySequence<byte>(header)));
        Assert.Throws<ProtocolException>(() => FaultPayload.Decode(fault));
        Assert.Throws<ProtocolException>(() => WalkBatch(batch));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 32 * 1024, $"{allocated} bytes allocated for length fields of {length}");
    }

    private static readonly Gen<byte[]> BatchPayload = Gen.Frequency(
        (3, Gen.Select(Gen.Byte.Array[0, 32], Gen.Int[-2, 2]).Array[1, 6].Select(entries =>
        {
            var buffer = new List<byte>();
            foreach ((byte[] body, int skew) in entries)
            {
                var prefix = new byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(prefix, Math.Max(0, body.Length + skew));
                buffer.AddRange(prefix);
                buffer.AddRange(body);
            }
            return buffer.ToArray();
        })),
        (1, Gen.Byte.Array[0, 64]));

    private static readonly Gen<byte[]> FaultPayloadGen = Gen.Frequency(
        (3, Gen.Select(Gen.String, Gen.String, Gen.String, Gen.Int[-3, 3], Gen.Int[0, 2]).Select((type, message, stack, skew, field) =>
        {
            byte[][] parts = [System.Text.Encoding.UTF8.GetBytes(type), System.Text.Encoding.UTF8.GetBytes(message), System.Text.Encoding.UTF8.GetBytes(stack)];
            var buffer = new List<byte>();
            for (int i = 0; i < parts.Length; i++)
            {
                var prefix = new byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(prefix, Math.Max(0, parts[i].Length + (i == field ? skew : 0)));
                buffer.AddRange(prefix);
                buffer.AddRange(parts[i]);
            }
            return buffer.ToArray();
        })),
        (1, Gen.Byte.Array[0, 64]));

    private static void ParseAll(ReadOnlySequence<byte> buffer)
    {
        while (FrameParser.TryReadFrame(ref buffer, MaxFrame, Lanes, out FrameHeader header, out ReadOnlySequence<byte> payload))
        {
            byte[] bytes = payload.ToArray();
            Assert.Equal(header.PayloadLength, bytes.Length);
            switch (header.Kind)
            {
                case FrameKind.Credit:
                    FrameParser.ReadCredit(bytes);
                    break;
                case FrameKind.Batch:
                    WalkBatch(bytes);
                    break;
                case FrameKind.Fault:
                    FaultPayload.Decode(bytes);
                    break;
            }
        }
    }

    private static void WalkBatch(byte[] payload)
    {
        var reader = new BatchReader(payload);
        int end = 0;
        while (reader.TryNext(out int offset, out int length))
        {
            Assert.True(offset >= end && length >= 0 && offset + length <= payload.Length);
            end = offset + length;
        }
    }
}
