using System.Buffers;
using System.Buffers.Binary;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Channels.Benchmarks.Messages;
using Channels.Benchmarks.Systems.ChannelsLink;
using Channels.Lanes;
using Channels.Transports;
using Channels.Wire;
using MemoryPack;

namespace Channels.Benchmarks.Micro;

/// <summary>
/// Each side of a lane alone, in one thread, over a transport that discards what is sent
/// (<see cref="DiscardingTransport"/>): the writer's path (<c>TryWrite</c>: credit, the send lock, encoding into the
/// pending Batch frame, the inline flush every 32 KiB) and the reader's path (a Batch frame of 1024 messages delivered as
/// if received, then drained with <c>TryRead</c>). Times are per message. Unlike the side-by-side runner, no other
/// process and no kernel share the figure, so changes of a few nanoseconds show.
/// </summary>
[MemoryDiagnoser]
public class LanePathBenchmarks
{
    private const int MessagesPerInvoke = 1024;
    private const int LargeArraysPerInvoke = 16;
    private ChannelLink _writerLink = null!;
    private ChannelLink _readerLink = null!;
    private IBenchLink _opener = null!;
    private IBenchLink.Peer _peer = null!;
    private IFrameReceiver _receiver = null!;
    private ReadOnlyMemory<byte> _smallFrame;
    private ReadOnlyMemory<byte> _structFrame;
    private byte[] _largeFrames = null!;
    private FrameAssembler _assembler = null!;

    /// <summary>Starts a writing end and a reading end of <see cref="IBenchLink"/>, each over its own discarding transport.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var contract = IBenchLink.Definition;
        // No frame ever arrives at the writing end: a peer timeout of a day keeps it from ending as a lost peer mid-run.
        var options = new ChannelOptions { Key = new byte[32], LaneWindowMessages = 1 << 20, LaneWindowBytes = int.MaxValue, PeerTimeout = TimeSpan.FromDays(1) };
        _writerLink = new ChannelLink(contract.Descriptor, LinkRole.Opener, options);
        _writerLink.AttachTransport(new DiscardingTransport(), Announced(LinkRole.Peer));
        _opener = contract.NewOpener(_writerLink);
        _writerLink.Start();

        var readerTransport = new DiscardingTransport();
        _readerLink = new ChannelLink(contract.Descriptor, LinkRole.Peer, options);
        _readerLink.AttachTransport(readerTransport, Announced(LinkRole.Opener));
        _peer = contract.NewPeer(_readerLink);
        _readerLink.Start();
        _receiver = readerTransport.Receiver!;
        _smallFrame = BatchOf(i => MemoryPackSerializer.Serialize(Payloads.SmallRing[i % Payloads.RingSize]));
        _structFrame = BatchOf(i => MemoryPackSerializer.Serialize(Payloads.StructRing[i % Payloads.RingSize]));
        _largeFrames = LargeArrayFrames();
        _assembler = new FrameAssembler(_receiver, 16 << 20, contract.Descriptor.Lanes.Count);

        static HandshakeHello Announced(LinkRole role)
        {
            var contract = IBenchLink.Definition.Descriptor;
            return new HandshakeHello(role, contract.Fingerprint, 1 << 20, int.MaxValue, 16 << 20, [], contract.Name);
        }
    }

    /// <summary>Ends both links.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        // Nobody answers the Close frames of a discarding transport: dispose without waiting for them.
        _ = _opener.DisposeAsync();
        _ = _peer.DisposeAsync();
        _assembler.Dispose();
    }

    /// <summary>Small records written (MemoryPack encoding into the pending frame).</summary>
    [Benchmark(OperationsPerInvoke = MessagesPerInvoke)]
    public bool WriteSmallRecords() => WriteAll(_opener.Small, Payloads.SmallRing);

    /// <summary>32-byte structs written (raw entries, no codec call).</summary>
    [Benchmark(OperationsPerInvoke = MessagesPerInvoke)]
    public bool WriteStructs() => WriteAll(_opener.Structs, Payloads.StructRing);

    /// <summary>Small records received: Batch frames decoded into the reader's ring and read.</summary>
    [Benchmark(OperationsPerInvoke = MessagesPerInvoke)]
    public long ReadSmallRecords()
    {
        Deliver(0, _smallFrame);
        ChannelReader<SmallRecord> reader = _peer.Small;
        long sum = 0;
        while (reader.TryRead(out SmallRecord? message))
            sum += message.Id;
        return sum;
    }

    /// <summary>32-byte structs received: Batch frames copied into the reader's ring and read.</summary>
    [Benchmark(OperationsPerInvoke = MessagesPerInvoke)]
    public long ReadStructs()
    {
        Deliver(1, _structFrame);
        ChannelReader<Struct32> reader = _peer.Structs;
        long sum = 0;
        while (reader.TryRead(out Struct32 message))
            sum += message.A;
        return sum;
    }

    /// <summary>64 KiB arrays written (a frame of their own each, handed to the transport from the caller's array).</summary>
    [Benchmark(OperationsPerInvoke = LargeArraysPerInvoke)]
    public bool WriteLargeArrays()
    {
        ChannelWriter<byte[]> writer = _opener.Bytes;
        bool written = true;
        for (int i = 0; i < LargeArraysPerInvoke; i++)
            written &= writer.TryWrite(Payloads.Bytes64K);
        ((IWriterLane)writer).AddCredit(LargeArraysPerInvoke, LargeArraysPerInvoke * (sizeof(int) + Payloads.Bytes64K.Length));
        return written ? true : throw new InvalidOperationException("a write found no credit");
    }

    /// <summary>
    /// 64 KiB arrays received as a stream transport receives them: their frames arrive in 16 KiB pieces (one
    /// <c>recv()</c> each, here a copy into where the frame assembler says) and are read.
    /// </summary>
    [Benchmark(OperationsPerInvoke = LargeArraysPerInvoke)]
    public long ReadLargeArrays()
    {
        for (int offset = 0; offset < _largeFrames.Length; offset += 16 * 1024)
            _assembler.Append(_largeFrames.AsSpan(offset, Math.Min(16 * 1024, _largeFrames.Length - offset)));
        ChannelReader<byte[]> reader = _peer.Bytes;
        long sum = 0;
        while (reader.TryRead(out byte[]? message))
            sum += message.Length;
        return sum;
    }

    // One invocation's writes; the remote reader of a discarding transport never returns credit, so the window is
    // given back afterwards as if it had.
    private static bool WriteAll<T>(ChannelWriter<T> writer, T[] ring)
    {
        bool written = true;
        for (int i = 0; i < MessagesPerInvoke; i++)
            written &= writer.TryWrite(ring[i % Payloads.RingSize]);
        ((IWriterLane)writer).AddCredit(MessagesPerInvoke, 1 << 20);
        return written ? true : throw new InvalidOperationException("a write found no credit");
    }

    // Hands one Batch frame of lane to the reading end as if it had arrived.
    private void Deliver(ushort lane, ReadOnlyMemory<byte> frame)
        => _receiver.OnFrame(new FrameHeader(frame.Length + FrameLayout.LengthOverhead, lane, FrameKind.Batch), frame);

    // One invocation's 64 KiB arrays as whole frames of the Bytes lane (2), back to back, as a writer sends them.
    private static byte[] LargeArrayFrames()
    {
        byte[] message = MemoryPackSerializer.Serialize(Payloads.Bytes64K);
        int frameSize = FrameLayout.HeaderSize + FrameLayout.BatchEntryPrefixSize + message.Length;
        var frames = new byte[LargeArraysPerInvoke * frameSize];
        for (int i = 0; i < LargeArraysPerInvoke; i++)
        {
            Span<byte> frame = frames.AsSpan(i * frameSize, frameSize);
            FrameLayout.WriteHeader(frame, frameSize - FrameLayout.HeaderSize, 2, FrameKind.Batch);
            BinaryPrimitives.WriteInt32LittleEndian(frame.Slice(FrameLayout.HeaderSize), message.Length);
            message.CopyTo(frame.Slice(FrameLayout.HeaderSize + FrameLayout.BatchEntryPrefixSize));
        }
        return frames;
    }

    // A Batch payload of one invocation's messages (about 37 KiB: what a busy writer sends at once).
    private static ReadOnlyMemory<byte> BatchOf(Func<int, byte[]> encode)
    {
        var payload = new ArrayBufferWriter<byte>();
        for (int i = 0; i < MessagesPerInvoke; i++)
        {
            byte[] message = encode(i);
            Span<byte> entry = payload.GetSpan(sizeof(int) + message.Length);
            BinaryPrimitives.WriteInt32LittleEndian(entry, message.Length);
            message.CopyTo(entry.Slice(sizeof(int)));
            payload.Advance(sizeof(int) + message.Length);
        }
        return payload.WrittenMemory;
    }
}
