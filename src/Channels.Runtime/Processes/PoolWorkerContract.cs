using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Channels.Calls;
using Channels.Contracts;

namespace Channels;

/// <summary>
/// The link between a <see cref="ProcessPool"/> and one worker: a single call lane, bundles of chunks in, their
/// replies (<see cref="PoolBundle.JoinReplies"/> of <see cref="PoolReply"/>s) out. Written by hand because the
/// runtime does not run the generator on itself.
/// </summary>
internal sealed class PoolWorkerContract : LinkContract<PoolWorkerContract.Opener, PoolWorkerContract.Peer>
{
    public static readonly PoolWorkerContract Instance = new();

    private PoolWorkerContract()
        : base(new ContractDescriptor("Channels.ProcessPool.Worker", 0x706f6f6c_00000002UL,
        [
            new LaneDescriptor("Chunks", LaneDirection.OpenerToPeer, "Channels.PoolBundle"),
            new LaneDescriptor("Chunks.Responses", LaneDirection.PeerToOpener, "byte[]"),
        ]))
    {
    }

    protected override Opener CreateOpener(ChannelLink link) => new(link);

    protected override Peer CreatePeer(ChannelLink link) => new(link);

    /// <summary>The pool's end: calls the worker.</summary>
    internal sealed class Opener(ChannelLink link) : IChannelEndpoint, IAsyncDisposable
    {
        public ChannelCall<PoolBundle, byte[]> Chunks { get; } = CallLanes.CreateCaller(link, 0, BundleCodec.Instance, BytesCodec.Instance);

        public ChannelLink Link => link;

        public ValueTask DisposeAsync() => link.DisposeAsync();
    }

    /// <summary>The worker's end: serves the chunks.</summary>
    internal sealed class Peer(ChannelLink link) : IChannelEndpoint, IAsyncDisposable
    {
        public ChannelCallServer<PoolBundle, byte[]> Chunks { get; } = CallLanes.CreateServer(link, 0, BundleCodec.Instance, BytesCodec.Instance);

        public ChannelLink Link => link;

        public ValueTask DisposeAsync() => link.DisposeAsync();
    }

    /// <summary><c>u16 name length | UTF-8 name | u16 chunk count | (u32 length | argument bytes)*</c>.</summary>
    internal sealed class BundleCodec : ILaneCodec<PoolBundle>
    {
        public static readonly BundleCodec Instance = new();

        private const int MaxNameBytes = 4096;

        private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        public void Encode(IBufferWriter<byte> output, in PoolBundle value)
        {
            int nameBytes = StrictUtf8.GetByteCount(value.Function);
            if (nameBytes > MaxNameBytes)
                throw new ArgumentException($"Pool function name '{value.Function}' is longer than {MaxNameBytes} bytes.", nameof(value));
            if (value.Chunks.Length is 0 or > PoolBundle.MaxChunks)
                throw new ArgumentException($"A pool bundle holds 1 to {PoolBundle.MaxChunks} chunks, not {value.Chunks.Length}.", nameof(value));
            Span<byte> header = output.GetSpan(2 + nameBytes + 2);
            BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)nameBytes);
            StrictUtf8.GetBytes(value.Function, header.Slice(2));
            BinaryPrimitives.WriteUInt16LittleEndian(header.Slice(2 + nameBytes), (ushort)value.Chunks.Length);
            output.Advance(2 + nameBytes + 2);
            foreach (byte[] chunk in value.Chunks)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(output.GetSpan(4), (uint)chunk.Length);
                output.Advance(4);
                output.Write(chunk);
            }
        }

        public PoolBundle Decode(in ReadOnlySequence<byte> payload)
        {
            var reader = new SequenceReader<byte>(payload);
            if (!reader.TryReadLittleEndian(out short rawNameBytes))
                throw new ProtocolException($"A pool bundle of {payload.Length} bytes is cut short before its function name.");
            int nameBytes = (ushort)rawNameBytes;
            if (nameBytes > MaxNameBytes || nameBytes > reader.Remaining)
                throw new ProtocolException($"A pool bundle claims a function name of {nameBytes} bytes (limit {MaxNameBytes}, {reader.Remaining} left).");
            string name;
            try
            {
                name = StrictUtf8.GetString(reader.UnreadSequence.Slice(0, nameBytes).ToArray());
            }
            catch (DecoderFallbackException ex)
            {
                throw new ProtocolException("A pool bundle's function name is not valid UTF-8.", ex);
            }
            reader.Advance(nameBytes);
            if (!reader.TryReadLittleEndian(out short rawCount) || (ushort)rawCount is 0 or > PoolBundle.MaxChunks)
                throw new ProtocolException($"A pool bundle for '{name}' must hold 1 to {PoolBundle.MaxChunks} chunks.");
            var chunks = new byte[(ushort)rawCount][];
            for (int i = 0; i < chunks.Length; i++)
            {
                if (!reader.TryReadLittleEndian(out int length) || length < 0 || length > reader.Remaining)
                    throw new ProtocolException($"Chunk {i} of a pool bundle for '{name}' is cut short or claims more bytes than are left ({reader.Remaining}).");
                chunks[i] = reader.UnreadSequence.Slice(0, length).ToArray();
                reader.Advance(length);
            }
            if (!reader.End)
                throw new ProtocolException($"A pool bundle for '{name}' has {reader.Remaining} bytes after its last chunk.");
            return new PoolBundle(name, chunks);
        }
    }

    private sealed class BytesCodec : ILaneCodec<byte[]>
    {
        public static readonly BytesCodec Instance = new();

        public void Encode(IBufferWriter<byte> output, in byte[] value) => output.Write(value);

        public byte[] Decode(in ReadOnlySequence<byte> payload) => payload.ToArray();
    }
}
