using System.Buffers.Binary;
using Channels.Benchmarks.Messages;
using Channels.Benchmarks.SideBySide;
using MemoryPack;
using NATS.Client.Core;

namespace Channels.Benchmarks.Systems.Nats;

/// <summary>The raw NATS child end: reads the subscription's messages and decodes every frame in place.</summary>
public sealed class NatsRawReceiver(NatsConnection connection, INatsSub<NatsMemoryOwner<byte>> subscription) : IPairReceiver
{
    /// <inheritdoc/>
    public async ValueTask<long> ReceiveAsync(CaseKind kind, int count, CancellationToken cancellationToken)
    {
        long checksum = 0;
        int received = 0;
        while (received < count)
        {
            NatsMsg<NatsMemoryOwner<byte>> message = await subscription.Msgs.ReadAsync(cancellationToken).ConfigureAwait(false);
            using NatsMemoryOwner<byte> owner = message.Data;
            (int decoded, long sum) = Decode(owner.Memory.Span);
            received += decoded;
            checksum += sum;
        }

        return received == count ? checksum : throw new InvalidOperationException($"received {received} records in a round of {count}");
    }

    /// <inheritdoc/>
    public ValueTask EchoAsync(int count, CancellationToken cancellationToken)
        => throw new NotSupportedException("the raw NATS system has no ping-pong case");

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await subscription.DisposeAsync().ConfigureAwait(false);
        await connection.DisposeAsync().ConfigureAwait(false);
    }

    private static (int Count, long Checksum) Decode(ReadOnlySpan<byte> batch)
    {
        int count = 0;
        long checksum = 0;
        while (!batch.IsEmpty)
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(batch);
            SmallRecord record = MemoryPackSerializer.Deserialize<SmallRecord>(batch.Slice(sizeof(int), length))!;
            checksum += Checksums.Of(record);
            count++;
            batch = batch[(sizeof(int) + length)..];
        }

        return (count, checksum);
    }
}
