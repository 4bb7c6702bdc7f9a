using System.Buffers.Binary;
using Channels.Benchmarks.Messages;
using Channels.Benchmarks.SideBySide;
using Channels.Benchmarks.Systems.HandWritten;
using MemoryPack;
using NATS.Client.Core;

namespace Channels.Benchmarks.Systems.Nats;

/// <summary>The raw NATS parent end: <c>u32 length | MemoryPack</c> frames gathered into messages of up to 64 KiB, published as they fill.</summary>
public sealed class NatsRawSender(NatsConnection connection, string subject) : IPairSender
{
    /// <summary>The most bytes one NATS message carries (the Channels bridge's limit too).</summary>
    public const int MaxMessageBytes = 64 * 1024;

    // A small record's frame is far below this; a message is published before the next frame could overflow it.
    private const int MaxFrameBytes = 256;

    private readonly PooledBufferWriter _buffer = new(MaxMessageBytes);

    /// <inheritdoc/>
    public async ValueTask SendAsync(CaseKind kind, int count, CancellationToken cancellationToken)
    {
        if (kind != CaseKind.Small)
        {
            throw new NotSupportedException($"the raw NATS system sends small records only, not {kind}");
        }

        SmallRecord[] ring = Payloads.SmallRing;
        for (int i = 0; i < count; i++)
        {
            int start = _buffer.WrittenCount;
            _buffer.GetSpan(sizeof(int));
            _buffer.Advance(sizeof(int));
            MemoryPackSerializer.Serialize(_buffer, ring[i % Payloads.RingSize]);
            BinaryPrimitives.WriteInt32LittleEndian(_buffer.WrittenFrom(start), _buffer.WrittenCount - start - sizeof(int));
            if (_buffer.WrittenCount > MaxMessageBytes - MaxFrameBytes)
            {
                await PublishAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        if (_buffer.WrittenCount > 0)
        {
            await PublishAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public ValueTask PingPongAsync(long[] latencies, CancellationToken cancellationToken)
        => throw new NotSupportedException("the raw NATS system has no ping-pong case");

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _buffer.Dispose();
        await connection.DisposeAsync().ConfigureAwait(false);
    }

    // NATS.Net copies the payload into its write buffer before PublishAsync returns, so the batch is free again.
    private async ValueTask PublishAsync(CancellationToken cancellationToken)
    {
        await connection.PublishAsync(subject, _buffer.WrittenMemory, cancellationToken: cancellationToken).ConfigureAwait(false);
        _buffer.Clear();
    }
}
