using System.Buffers;
using System.Buffers.Binary;
using Channels.Contracts;

namespace Channels.TestChild.Queues;

// Hand-written lane codecs, standing in for the generator's MemoryPack codecs until it emits queue contracts.

/// <summary>Codec of <see cref="WorkItem"/>: 12 bytes.</summary>
public sealed class WorkItemCodec : ILaneCodec<WorkItem>
{
    /// <summary>The instance.</summary>
    public static readonly WorkItemCodec Instance = new();

    /// <inheritdoc/>
    public void Encode(IBufferWriter<byte> output, in WorkItem value)
    {
        Span<byte> span = output.GetSpan(12);
        BinaryPrimitives.WriteInt32LittleEndian(span, value.Producer);
        BinaryPrimitives.WriteInt64LittleEndian(span[4..], value.Sequence);
        output.Advance(12);
    }

    /// <inheritdoc/>
    public WorkItem Decode(in ReadOnlySequence<byte> payload)
    {
        if (payload.Length != 12) throw new ProtocolException($"A WorkItem is 12 bytes, not {payload.Length}.");
        Span<byte> span = stackalloc byte[12];
        payload.CopyTo(span);
        return new WorkItem(BinaryPrimitives.ReadInt32LittleEndian(span), BinaryPrimitives.ReadInt64LittleEndian(span[4..]));
    }
}

/// <summary>Codec of <see cref="WorkResult"/>: 16 bytes.</summary>
public sealed class WorkResultCodec : ILaneCodec<WorkResult>
{
    /// <summary>The instance.</summary>
    public static readonly WorkResultCodec Instance = new();

    /// <inheritdoc/>
    public void Encode(IBufferWriter<byte> output, in WorkResult value)
    {
        Span<byte> span = output.GetSpan(16);
        BinaryPrimitives.WriteInt32LittleEndian(span, value.Consumer);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], value.Producer);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], value.Sequence);
        output.Advance(16);
    }

    /// <inheritdoc/>
    public WorkResult Decode(in ReadOnlySequence<byte> payload)
    {
        if (payload.Length != 16) throw new ProtocolException($"A WorkResult is 16 bytes, not {payload.Length}.");
        Span<byte> span = stackalloc byte[16];
        payload.CopyTo(span);
        return new WorkResult(BinaryPrimitives.ReadInt32LittleEndian(span), BinaryPrimitives.ReadInt32LittleEndian(span[4..]), BinaryPrimitives.ReadInt64LittleEndian(span[8..]));
    }
}

/// <summary>Codec of <see cref="double"/>: 8 bytes.</summary>
public sealed class DoubleCodec : ILaneCodec<double>
{
    /// <summary>The instance.</summary>
    public static readonly DoubleCodec Instance = new();

    /// <inheritdoc/>
    public void Encode(IBufferWriter<byte> output, in double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    /// <inheritdoc/>
    public double Decode(in ReadOnlySequence<byte> payload)
    {
        if (payload.Length != 8) throw new ProtocolException($"A double is 8 bytes, not {payload.Length}.");
        Span<byte> span = stackalloc byte[8];
        payload.CopyTo(span);
        return BinaryPrimitives.ReadDoubleLittleEndian(span);
    }
}

/// <summary>Codec of <see cref="long"/>: 8 bytes.</summary>
public sealed class LongCodec : ILaneCodec<long>
{
    /// <summary>The instance.</summary>
    public static readonly LongCodec Instance = new();

    /// <inheritdoc/>
    public void Encode(IBufferWriter<byte> output, in long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    /// <inheritdoc/>
    public long Decode(in ReadOnlySequence<byte> payload)
    {
        if (payload.Length != 8) throw new ProtocolException($"A long is 8 bytes, not {payload.Length}.");
        Span<byte> span = stackalloc byte[8];
        payload.CopyTo(span);
        return BinaryPrimitives.ReadInt64LittleEndian(span);
    }
}
