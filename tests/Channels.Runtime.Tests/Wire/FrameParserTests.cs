using System.Buffers;
using System.Buffers.Binary;
using Channels.Wire;
using Channels.Runtime.Tests.Infrastructure;
using Xunit;

namespace Channels.Runtime.Tests.Wire;

public sealed class FrameParserTests
{
    private const int Max = 16 * 1024 * 1024;
    private const int Lanes = 3;

    private static byte[] Frame(ushort lane, FrameKind kind, byte[] payload)
    {
        var bytes = new byte[FrameLayout.HeaderSize + payload.Length];
        FrameLayout.WriteHeader(bytes, payload.Length, lane, kind);
        payload.CopyTo(bytes, FrameLayout.HeaderSize);
        return bytes;
    }

    private static byte[] Batch(params byte[][] entries)
    {
        var result = new List<byte>();
        foreach (byte[] entry in entries)
        {
            var prefix = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(prefix, (uint)entry.Length);
            result.AddRange(prefix);
            result.AddRange(entry);
        }
        return result.ToArray();
    }

    [Fact]
    public void ReadsConsecutiveFramesAndTheirPayloads()
    {
        byte[] bytes = [.. Frame(1, FrameKind.Data, [1, 2, 3]), .. Frame(FrameLayout.LinkLane, FrameKind.Ping, []), .. Frame(2, FrameKind.Credit, new byte[8])];
        var buffer = new ReadOnlySequence<byte>(bytes);

        Assert.True(FrameParser.TryReadFrame(ref buffer, Max, Lanes, out FrameHeader first, out ReadOnlySequence<byte> payload));
        Assert.Equal((ushort)1, first.Lane);
        Assert.Equal(FrameKind.Data, first.Kind);
        Assert.Equal(new byte[] { 1, 2, 3 }, payload.ToArray());
        Assert.True(FrameParser.TryReadFrame(ref buffer, Max, Lanes, out FrameHeader ping, out _));
        Assert.Equal(FrameKind.Ping, ping.Kind);
        Assert.True(FrameParser.TryReadFrame(ref buffer, Max, Lanes, out FrameHeader credit, out _));
        Assert.Equal(FrameKind.Credit, credit.Kind);
        Assert.Equal(0, buffer.Length);
    }

    [Fact]
    public void LengthCountsLaneKindAndPayload()
    {
        byte[] bytes = Frame(0, FrameKind.Data, new byte[10]);
        Assert.Equal(13u, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
    }

    [Fact]
    public void IncompleteFramesWaitForMoreBytesAtEveryCut()
    {
        byte[] bytes = Frame(2, FrameKind.Data, [9, 8, 7, 6, 5]);
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes.AsMemory(0, cut));
            Assert.False(FrameParser.TryReadFrame(ref buffer, Max, Lanes, out _, out _));
            Assert.Equal(cut, buffer.Length);
        }
    }

    [Fact]
    public void ReadsFramesSplitAcrossSegments()
    {
        byte[] bytes = Frame(2, FrameKind.Data, [9, 8, 7, 6, 5]);
        for (int split = 1; split < bytes.Length; split++)
        {
            ReadOnlySequence<byte> buffer = Segments.Of(bytes.AsMemory(0, split), bytes.AsMemory(split));
            Assert.True(FrameParser.TryReadFrame(ref buffer, Max, Lanes, out FrameHeader header, out ReadOnlySequence<byte> payload));
            Assert.Equal((ushort)2, header.Lane);
            Assert.Equal(new byte[] { 9, 8, 7, 6, 5 }, payload.ToArray());
        }
    }

    [Theory]
    [InlineData(0x8000_0000u)]
    [InlineData(0xFFFF_FFFFu)]
    [InlineData(Max + 1u)]
    public void OversizedLengthIsRejectedFromTheLengthFieldAloneWithoutAllocating(uint length)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, length);
        var buffer = new ReadOnlySequence<byte>(bytes);
        // Warm up: the JIT and the exception machinery are not what is measured.
        Assert.Throws<ProtocolException>(() => FrameParser.TryReadHeader(bytes, Max, Lanes, out _));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<ProtocolException>(() => FrameParser.TryReadFrame(ref buffer, Max, Lanes, out _, out _));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("maximum frame size", ex.Message);
        Assert.True(allocated < 64 * 1024, $"Parsing a {length}-byte length field allocated {allocated} bytes.");
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(2u)]
    public void LengthTooSmallForLaneAndKindIsRejected(uint length)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, length);
        Assert.Throws<ProtocolException>(() => FrameParser.TryReadHeader(bytes, Max, Lanes, out _));
    }

    [Fact]
    public void UnknownKindIsRejected()
    {
        byte[] bytes = Frame(0, (FrameKind)0x7F, [1]);
        var ex = Assert.Throws<ProtocolException>(() => FrameParser.TryReadHeader(bytes, Max, Lanes, out _));
        Assert.Contains("Unknown frame kind 127", ex.Message);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(1000)]
    [InlineData(ushort.MaxValue)]
    public void UnknownLaneIsRejected(int lane)
    {
        byte[] bytes = Frame((ushort)lane, FrameKind.Data, [1]);
        Assert.Throws<ProtocolException>(() => FrameParser.TryReadHeader(bytes, Max, Lanes, out _));
    }

    [Fact]
    public void LinkFramesMustUseTheLinkLane()
    {
        Assert.Throws<ProtocolException>(() => FrameParser.TryReadHeader(Frame(0, FrameKind.Ping, []), Max, Lanes, out _));
        Assert.True(FrameParser.TryReadHeader(Frame(FrameLayout.LinkLane, FrameKind.Close, []), Max, Lanes, out _));
    }

    [Theory]
    [InlineData((byte)FrameKind.Credit, 7)]
    [InlineData((byte)FrameKind.Credit, 9)]
    [InlineData((byte)FrameKind.Complete, 1)]
    [InlineData((byte)FrameKind.Batch, 3)]
    public void FixedSizePayloadsAreChecked(byte kind, int size)
    {
        Assert.Throws<ProtocolException>(() => FrameParser.TryReadHeader(Frame(0, (FrameKind)kind, new byte[size]), Max, Lanes, out _));
    }

    [Fact]
    public void BatchEntriesAreWalkedAndBadLengthsRejected()
    {
        byte[] payload = Batch([1], [2, 3], []);
        var reader = new BatchReader(payload);
        var lengths = new List<int>();
        while (reader.TryNext(out int offset, out int length))
            lengths.Add(length);
        Assert.Equal(new[] { 1, 2, 0 }, lengths);

        byte[] overlong = Batch([1, 2, 3]);
        BinaryPrimitives.WriteUInt32LittleEndian(overlong, 0x7FFF_FFFF);
        Assert.Throws<ProtocolException>(() =>
        {
            var r = new BatchReader(overlong);
            while (r.TryNext(out _, out _))
            {
            }
        });
        Assert.Throws<ProtocolException>(() =>
        {
            var r = new BatchReader(new byte[] { 1, 0 });
            r.TryNext(out _, out _);
        });
    }

    [Fact]
    public void RandomBytesNeverCrashTheParserWithAnythingButProtocolException()
    {
        var random = new Random(1234);
        for (int round = 0; round < 5000; round++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            var buffer = new ReadOnlySequence<byte>(bytes);
            try
            {
                while (FrameParser.TryReadFrame(ref buffer, 4096, Lanes, out FrameHeader header, out ReadOnlySequence<byte> payload))
                {
                    if (header.Kind == FrameKind.Batch)
                    {
                        var entries = new BatchReader(payload.ToArray());
                        while (entries.TryNext(out _, out _))
                        {
                        }
                    }
                    else if (header.Kind == FrameKind.Fault)
                    {
                        FaultPayload.Decode(payload.ToArray());
                    }
                }
            }
            catch (ProtocolException)
            {
                // Expected for most inputs.
            }
        }
    }

    [Fact]
    public void FaultPayloadRoundTripsAndRejectsLies()
    {
        Exception error;
        try
        {
            throw new InvalidOperationException("it broke: ünïcode");
        }
        catch (Exception ex)
        {
            error = ex;
        }
        byte[] payload = FaultPayload.Encode(error);
        RemoteException remote = FaultPayload.Decode(payload);
        Assert.Equal("System.InvalidOperationException", remote.RemoteType);
        Assert.Equal("it broke: ünïcode", remote.RemoteMessage);
        Assert.Contains(nameof(FaultPayloadRoundTripsAndRejectsLies), remote.RemoteStackTrace);

        byte[] lying = (byte[])payload.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(lying, 0x7FFF_FFFF);
        Assert.Throws<ProtocolException>(() => FaultPayload.Decode(lying));
        Assert.Throws<ProtocolException>(() => FaultPayload.Decode(payload.AsSpan(0, payload.Length - 1)));
        Assert.Throws<ProtocolException>(() => FaultPayload.Decode([1, 0, 0, 0, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0]));
    }

    [Fact]
    public void CreditValuesAboveIntMaxAreRejected()
    {
        var payload = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, 0xFFFF_FFFF);
        Assert.Throws<ProtocolException>(() => FrameParser.ReadCredit(payload));
    }
}
