using System.Runtime.InteropServices;
using Channels.Runtime.Tests.Infrastructure;
using Channels.Wire;
using Xunit;

namespace Channels.Runtime.Tests.Wire;

/// <summary>
/// A lane whose codec writes raw bytes appends its messages without the codec (<see cref="FrameOutbox.AppendRaw{T}"/>):
/// every message must travel as exactly the entry the codec path writes, on its lane and in order, in valid frames.
/// </summary>
public sealed class RawEntryTests
{
    [StructLayout(LayoutKind.Sequential)]
    // No padding: the raw bytes of two equal values are equal.
    private readonly record struct Sample(long A, int B, int C);

    private sealed class Encoder(Sample value) : IEntryEncoder
    {
        public void EncodeEntry(OutputBuffer buffer)
        {
            int size = Marshal.SizeOf<Sample>();
            MemoryMarshal.Write(buffer.GetSpan(size), in value);
            buffer.Advance(size);
        }
    }

    private static async Task<byte[]> SendAsync(int maxFrameSize, int count, bool raw, List<int> sizes)
    {
        var sendLock = new Lock();
        var outbox = new FrameOutbox(sendLock, ex => throw new InvalidOperationException("send failed", ex));
        var capture = new CapturingTransport();
        outbox.Start(capture, maxFrameSize);
        for (int i = 0; i < count; i++)
        {
            // Three lanes in runs of varying length: batches open, continue and close on lane changes and size limits.
            int lane = i / 7 % 3;
            var value = new Sample(i * 1_000_003L, -i, i & 0x7fff);
            lock (sendLock)
                sizes.Add(raw ? outbox.AppendRaw(lane, in value) : outbox.AppendMessage(lane, new Encoder(value)));
        }
        outbox.Shutdown();
        await outbox.Loop!.WaitAsync(TimeSpan.FromSeconds(10));
        return capture.Bytes;
    }

    // The messages of a captured stream, each with its lane, checking every frame on the way: a Batch within the limit.
    internal static List<(ushort Lane, byte[] Entry)> Parse(byte[] stream, int maxFrameSize)
    {
        var messages = new List<(ushort, byte[])>();
        int offset = 0;
        while (offset < stream.Length)
        {
            int length = BitConverter.ToInt32(stream, offset);
            Assert.InRange(length, FrameLayout.LengthOverhead + 1, maxFrameSize);
            ushort lane = BitConverter.ToUInt16(stream, offset + FrameLayout.LengthFieldSize);
            Assert.Equal((byte)FrameKind.Batch, stream[offset + FrameLayout.LengthFieldSize + 2]);
            ReadOnlySpan<byte> payload = stream.AsSpan(offset + FrameLayout.HeaderSize, length - FrameLayout.LengthOverhead);
            var entries = new BatchReader(payload);
            while (entries.TryNext(out int start, out int size))
                messages.Add((lane, payload.Slice(start, size).ToArray()));
            offset += length + FrameLayout.LengthFieldSize;
        }
        Assert.Equal(stream.Length, offset);
        return messages;
    }

    [Theory]
    [InlineData(1 << 20, 50_000)]
    [InlineData(64, 3_000)] // a frame holds three entries: the frame-size limit closes batches as often as lane changes
    public async Task Raw_entries_carry_the_bytes_the_codec_path_writes(int maxFrameSize, int count)
    {
        // Where frames end depends on when the send loop takes the buffer; what they carry must not.
        var rawSizes = new List<int>();
        var codecSizes = new List<int>();
        List<(ushort Lane, byte[] Entry)> raw = Parse(await SendAsync(maxFrameSize, count, raw: true, rawSizes), maxFrameSize);
        List<(ushort Lane, byte[] Entry)> codec = Parse(await SendAsync(maxFrameSize, count, raw: false, codecSizes), maxFrameSize);

        Assert.Equal(codecSizes, rawSizes);
        Assert.All(rawSizes, size => Assert.Equal(Marshal.SizeOf<Sample>(), size));
        Assert.Equal(count, raw.Count);
        Assert.Equal(count, codec.Count);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(codec[i].Lane, raw[i].Lane);
            Assert.Equal(i / 7 % 3, raw[i].Lane);
            Assert.True(codec[i].Entry.AsSpan().SequenceEqual(raw[i].Entry), $"message {i}: the raw path wrote other bytes than the codec path");
            Assert.Equal(-i, MemoryMarshal.Read<Sample>(raw[i].Entry).B);
        }
    }

    [Fact]
    public async Task A_raw_entry_larger_than_the_other_sides_frame_is_refused_and_leaves_nothing()
    {
        var sendLock = new Lock();
        var outbox = new FrameOutbox(sendLock, ex => throw new InvalidOperationException("send failed", ex));
        var capture = new CapturingTransport();
        // A frame of at most 20 bytes after its length field: header 3 + prefix 4 + 16 bytes of message do not fit.
        outbox.Start(capture, 20);
        var value = new Sample(1, 2, 3);
        lock (sendLock)
        {
            Assert.Equal(-1, outbox.AppendRaw(0, in value));
            Assert.Equal(-1, outbox.AppendMessage(0, new Encoder(value)));
        }
        outbox.Shutdown();
        await outbox.Loop!.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(capture.Bytes);
    }
}
