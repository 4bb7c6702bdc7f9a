using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Channels.Calls;
using Channels.Contracts;

namespace Channels;

/// <summary>One chunk of work for a pool worker: the function's registry name and its serialized arguments (MemoryPack <c>TArg[]</c>).</summary>
internal readonly record struct PoolChunk(string Function, byte[] Items);

/// <summary>
/// The link between a <see cref="ProcessPool"/> and one worker: a single call lane, chunks in, replies
/// (<see cref="PoolReply"/>) out. Written by hand because the runtime does not run the generator on itself.
/// </summary>
internal sealed class PoolWorkerContract : LinkContract<PoolWorkerContract.Opener, PoolWorkerContract.Peer>
{
    public static readonly PoolWorkerContract Instance = new();

    private PoolWorkerContract()
        : base(new ContractDescriptor("Channels.ProcessPool.Worker", 0x706f6f6c_00000001UL,
        [
            new LaneDescriptor("Chunks", LaneDirection.OpenerToPeer, "Channels.PoolChunk"),
            new LaneDescriptor("Chunks.Responses", LaneDirection.PeerToOpener, "byte[]"),
        ]))
    {
    }

    protected override Opener CreateOpener(ChannelLink link) => new(link);

    protected override Peer CreatePeer(ChannelLink link) => new(link);

    /// <summary>The pool's end: calls the worker.</summary>
    internal sealed class Opener(ChannelLink link) : IChannelEndpoint, IAsyncDisposable
    {
        public ChannelCall<PoolChunk, byte[]> Chunks { get; } = CallLanes.CreateCaller(link, 0, ChunkCodec.Instance, BytesCodec.Instance);

        public ChannelLink Link => link;

        public ValueTask DisposeAsync() => link.DisposeAsync();
    }

    /// <summary>The worker's end: serves the chunks.</summary>
    internal sealed class Peer(ChannelLink link) : IChannelEndpoint, IAsyncDisposable
    {
        public ChannelCallServer<PoolChunk, byte[]> Chunks { get; } = CallLanes.CreateServer(link, 0, ChunkCodec.Instance, BytesCodec.Instance);

        public ChannelLink Link => link;

        public ValueTask DisposeAsync() => link.DisposeAsync();
    }

    /// <summary><c>u16 name length | UTF-8 name | argument bytes</c>.</summary>
    private sealed class ChunkCodec : ILaneCodec<PoolChunk>
    {
        public static readonly ChunkCodec Instance = new();

        private const int MaxNameBytes = 4096;

        private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        public void Encode(IBufferWriter<byte> output, in PoolChunk value)
        {
            int nameBytes = StrictUtf8.GetByteCount(value.Function);
            if (nameBytes > MaxNameBytes)
                throw new ArgumentException($"Pool function name '{value.Function}' is longer than {MaxNameBytes} bytes.", nameof(value));
            Span<byte> header = output.GetSpan(2 + nameBytes);
            BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)nameBytes);
            StrictUtf8.GetBytes(value.Function, header.Slice(2));
            output.Advance(2 + nameBytes);
            output.Write(value.Items);
        }

        public PoolChunk Decode(in ReadOnlySequence<byte> payload)
        {
            if (payload.Length < 2)
                throw new ProtocolException($"A pool chunk of {payload.Length} bytes is cut short before its function name.");
            Span<byte> lengthBytes = stackalloc byte[2];
            payload.Slice(0, 2).CopyTo(lengthBytes);
            int nameBytes = BinaryPrimitives.ReadUInt16LittleEndian(lengthBytes);
            if (nameBytes > MaxNameBytes || nameBytes > payload.Length - 2)
                throw new ProtocolException($"A pool chunk claims a function name of {nameBytes} bytes (limit {MaxNameBytes}, {payload.Length - 2} left).");
            string name;
            try
            {
                name = StrictUtf8.GetString(payload.Slice(2, nameBytes).ToArray());
            }
            catch (DecoderFallbackException ex)
            {
                throw new ProtocolException("A pool chunk's function name is not valid UTF-8.", ex);
            }
            return new PoolChunk(name, payload.Slice(2 + nameBytes).ToArray());
        }
    }

    private sealed class BytesCodec : ILaneCodec<byte[]>
    {
        public static readonly BytesCodec Instance = new();

        public void Encode(IBufferWriter<byte> output, in byte[] value) => output.Write(value);

        public byte[] Decode(in ReadOnlySequence<byte> payload) => payload.ToArray();
    }
}
