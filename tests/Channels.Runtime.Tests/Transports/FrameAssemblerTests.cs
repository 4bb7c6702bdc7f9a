using System.Buffers.Binary;
using Channels.Transports;
using Channels.Wire;
using Xunit;
using static Channels.Runtime.Tests.Infrastructure.RawFrames;

namespace Channels.Runtime.Tests.Transports;

/// <summary>
/// The stream transports' frame assembler: whatever pieces the bytes arrive in, every frame reaches the receiver
/// once, whole and in order; a large frame whose receiver names an array is received into it (and only then), and a
/// stream that ends inside one is reported as cut, like any other frame.
/// </summary>
public sealed class FrameAssemblerTests
{
    private const int MaxFrameSize = 1 << 20;
    private const int LaneCount = 4;

    private sealed record Received(ushort Lane, FrameKind Kind, byte[] Payload, bool IntoOwnArray);

    // Names an array for large Batch frames of lane 2 only; records every frame as its payload bytes.
    private sealed class Recorder : IFrameReceiver
    {
        public List<Received> Frames { get; } = [];

        public int Offered { get; private set; }

        public int? WrongLength { get; init; }

        public void OnFrame(FrameHeader header, ReadOnlyMemory<byte> payload)
            => Frames.Add(new Received(header.Lane, header.Kind, payload.ToArray(), false));

        public byte[]? LargeFrameDestination(FrameHeader header, ReadOnlySpan<byte> head)
        {
            Offered++;
            Assert.Equal(FrameLayout.LargeFrameHeadSize, head.Length);
            Assert.True(header.PayloadLength >= FrameLayout.LargeFrameBytes);
            return header.Lane == 2 ? new byte[WrongLength ?? header.PayloadLength - FrameLayout.LargeFrameHeadSize] : null;
        }

        public void OnLargeFrame(FrameHeader header, ReadOnlySpan<byte> head, byte[] rest)
            => Frames.Add(new Received(header.Lane, header.Kind, [.. head, .. rest], true));

        public void OnEnd(Exception? error)
        {
        }
    }

    private static byte[] Payload(int seed, int size)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    // Small frames, large frames the receiver takes into its own arrays (lane 2), large ones it declines (lane 3),
    // back to back.
    private static (byte[] Stream, List<Received> Expected) Sample()
    {
        var frames = new List<(ushort Lane, byte[] Payload)>
        {
            (1, Payload(1, 10)),
            (2, Payload(2, 40_000)),
            (2, Payload(3, 40_000)),
            (1, Payload(4, 3)),
            (3, Payload(5, 20_000)),
            (2, Payload(6, FrameLayout.LargeFrameBytes)),
            (2, Payload(7, FrameLayout.LargeFrameBytes - 1)),
            (2, Payload(8, 300_000)),
            (1, Payload(9, 1)),
        };
        var stream = new List<byte>();
        var expected = new List<Received>();
        foreach ((ushort lane, byte[] payload) in frames)
        {
            // The small ones are Data frames (a Batch frame holds at least one entry's prefix).
            FrameKind kind = lane == 1 ? FrameKind.Data : FrameKind.Batch;
            stream.AddRange(Frame(lane, (byte)kind, payload));
            expected.Add(new Received(lane, kind, payload, lane == 2 && payload.Length >= FrameLayout.LargeFrameBytes));
        }
        return (stream.ToArray(), expected);
    }

    public static TheoryData<string, int> Pieces => new()
    {
        { "all at once", int.MaxValue },
        { "one byte at a time", 1 },
        { "7 bytes at a time", 7 },
        { "10 bytes at a time", 10 },
        { "4 KiB at a time", 4096 },
        { "16 KiB at a time", 16 * 1024 },
        { "random pieces", -1 },
    };

    [Theory]
    [MemberData(nameof(Pieces))]
    public void EveryFrameArrivesOnceWholeAndInOrderWhateverThePieces(string what, int piece)
    {
        (byte[] stream, List<Received> expected) = Sample();
        var receiver = new Recorder();
        using var frames = new FrameAssembler(receiver, MaxFrameSize, LaneCount);
        var random = new Random(11);
        for (int offset = 0; offset < stream.Length;)
        {
            Memory<byte> room = frames.GetReceiveMemory();
            int size = piece < 0 ? random.Next(1, 70_000) : piece;
            int count = Math.Min(Math.Min(size, room.Length), stream.Length - offset);
            stream.AsSpan(offset, count).CopyTo(room.Span);
            frames.Commit(count);
            offset += count;
        }

        Assert.Equal(expected.Count, receiver.Frames.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal((expected[i].Lane, expected[i].Kind), (receiver.Frames[i].Lane, receiver.Frames[i].Kind));
            Assert.True(expected[i].Payload.AsSpan().SequenceEqual(receiver.Frames[i].Payload), $"{what}: frame {i} arrived changed");
            // In pieces smaller than any large frame, every large frame of lane 2 is partial when its head is here.
            if (piece is > 0 and <= 4096)
                Assert.Equal(expected[i].IntoOwnArray, receiver.Frames[i].IntoOwnArray);
        }
        Assert.Equal(0, frames.PartialBytes);
        Assert.Null(frames.EndOfStreamError("test"));
    }

    [Fact]
    public void AppendDeliversTheSameFrames()
    {
        (byte[] stream, List<Received> expected) = Sample();
        var receiver = new Recorder();
        using var frames = new FrameAssembler(receiver, MaxFrameSize, LaneCount);
        for (int offset = 0; offset < stream.Length; offset += 5000)
            frames.Append(stream.AsSpan(offset, Math.Min(5000, stream.Length - offset)));

        Assert.Equal(expected.Select(e => (e.Lane, Convert.ToHexString(e.Payload))), receiver.Frames.Select(f => (f.Lane, Convert.ToHexString(f.Payload))));
        Assert.Contains(receiver.Frames, f => f.IntoOwnArray);
    }

    [Fact]
    public void ADeclinedFrameIsOfferedOnceNotOnEveryPiece()
    {
        byte[] stream = Frame(3, (byte)FrameKind.Batch, Payload(1, 50_000));
        var receiver = new Recorder();
        using var frames = new FrameAssembler(receiver, MaxFrameSize, LaneCount);
        for (int offset = 0; offset < stream.Length; offset += 100)
            frames.Append(stream.AsSpan(offset, Math.Min(100, stream.Length - offset)));

        Assert.Equal(1, receiver.Offered);
        Assert.Single(receiver.Frames);
        Assert.False(receiver.Frames[0].IntoOwnArray);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(FrameLayout.HeaderSize + FrameLayout.LargeFrameHeadSize)]
    [InlineData(30_000)]
    [InlineData(40_000 + FrameLayout.HeaderSize - 1)]
    public void AStreamEndingInsideALargeFrameIsReportedAsCutWithWhatArrived(int received)
    {
        byte[] stream = Frame(2, (byte)FrameKind.Batch, Payload(1, 40_000));
        var receiver = new Recorder();
        using var frames = new FrameAssembler(receiver, MaxFrameSize, LaneCount);
        for (int offset = 0; offset < received; offset += 1000)
            frames.Append(stream.AsSpan(offset, Math.Min(1000, received - offset)));

        Assert.Empty(receiver.Frames);
        Assert.Equal(received, frames.PartialBytes);
        ProtocolException? cut = frames.EndOfStreamError("test");
        Assert.NotNull(cut);
        Assert.IsType<EndOfStreamException>(cut.InnerException);
        Assert.Contains(received.ToString(System.Globalization.CultureInfo.InvariantCulture), cut.Message);
    }

    [Fact]
    public void AHeaderOverTheMaximumIsRefusedBeforeAnyArrayIsNamed()
    {
        var receiver = new Recorder();
        using var frames = new FrameAssembler(receiver, 30_000, LaneCount);
        byte[] stream = Frame(2, (byte)FrameKind.Batch, Payload(1, 40_000));

        Assert.Throws<ProtocolException>(() => frames.Append(stream.AsSpan(0, 100)));
        Assert.Equal(0, receiver.Offered);
    }

    [Fact]
    public void AReceiverNamingAnArrayOfTheWrongLengthIsABugNotAFrame()
    {
        var receiver = new Recorder { WrongLength = 10 };
        using var frames = new FrameAssembler(receiver, MaxFrameSize, LaneCount);
        byte[] stream = Frame(2, (byte)FrameKind.Batch, Payload(1, 40_000));

        Assert.Throws<InvalidOperationException>(() => frames.Append(stream.AsSpan(0, 100)));
        Assert.Empty(receiver.Frames);
    }

    [Fact]
    public void TheHeadHandedOverIsTheFramesFirstPayloadBytes()
    {
        byte[] payload = Payload(3, 20_000);
        BinaryPrimitives.WriteUInt32LittleEndian(payload, 0xA1B2C3D4);
        byte[] stream = Frame(2, (byte)FrameKind.Batch, payload);
        var receiver = new Recorder();
        using var frames = new FrameAssembler(receiver, MaxFrameSize, LaneCount);
        frames.Append(stream.AsSpan(0, 20));
        frames.Append(stream.AsSpan(20));

        Received only = Assert.Single(receiver.Frames);
        Assert.True(only.IntoOwnArray);
        Assert.Equal(0xA1B2C3D4, BinaryPrimitives.ReadUInt32LittleEndian(only.Payload));
        Assert.Equal(payload, only.Payload);
    }
}
