using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Channels.Diagnostics;

namespace Channels.Wire;

/// <summary>
/// Reads frames from received bytes. Every field is checked before it is used: the length against the configured
/// maximum before anything is sized from it, the kind against the known kinds, the lane against the contract's
/// lane count, and fixed-size payloads against their size. Violations throw <see cref="ProtocolException"/>.
/// </summary>
internal static class FrameParser
{
    /// <summary>
    /// Reads the header at the start of <paramref name="buffer"/>. Returns false when more bytes are needed;
    /// the length is validated as soon as its four bytes are there.
    /// </summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> buffer, int maxFrameSize, int laneCount, out FrameHeader header)
    {
        header = default;
        if (buffer.Length < FrameLayout.LengthFieldSize)
            return false;
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(buffer);
        if (length < FrameLayout.LengthOverhead || length > (uint)maxFrameSize)
            ThrowBadLength(length, maxFrameSize);
        if (buffer.Length < FrameLayout.HeaderSize)
            return false;
        ushort lane = BinaryPrimitives.ReadUInt16LittleEndian(buffer.Slice(FrameLayout.LengthFieldSize));
        var kind = (FrameKind)buffer[6];
        header = new FrameHeader((int)length, lane, kind);
        Validate(header, laneCount);
        return true;
    }

    /// <summary>
    /// Reads one whole frame from the start of <paramref name="buffer"/> and advances it past the frame. Returns false
    /// (and leaves <paramref name="buffer"/> alone) when the frame is not complete yet.
    /// </summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxFrameSize, int laneCount, out FrameHeader header, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        bool complete;
        if (buffer.FirstSpan.Length >= FrameLayout.HeaderSize || buffer.IsSingleSegment)
        {
            complete = TryReadHeader(buffer.FirstSpan, maxFrameSize, laneCount, out header);
        }
        else
        {
            Span<byte> head = stackalloc byte[FrameLayout.HeaderSize];
            int available = (int)Math.Min(buffer.Length, FrameLayout.HeaderSize);
            buffer.Slice(0, available).CopyTo(head);
            complete = TryReadHeader(head.Slice(0, available), maxFrameSize, laneCount, out header);
        }
        if (!complete || buffer.Length < header.FrameSize)
            return false;
        payload = buffer.Slice(FrameLayout.HeaderSize, header.PayloadLength);
        buffer = buffer.Slice(header.FrameSize);
        return true;
    }

    /// <summary>Reads a Credit payload.</summary>
    public static (int Messages, int Bytes) ReadCredit(ReadOnlySpan<byte> payload)
    {
        uint messages = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        uint bytes = BinaryPrimitives.ReadUInt32LittleEndian(payload.Slice(4));
        if (messages > int.MaxValue || bytes > int.MaxValue)
            ThrowProtocol($"Credit frame grants {messages} messages and {bytes} bytes; each must be at most {int.MaxValue}.", ProtocolErrorTypes.BadCredit);
        return ((int)messages, (int)bytes);
    }

    private static void Validate(FrameHeader header, int laneCount)
    {
        switch (header.Kind)
        {
            case FrameKind.Data:
            case FrameKind.Fault:
                break;
            case FrameKind.Batch:
                if (header.PayloadLength < FrameLayout.BatchEntryPrefixSize)
                    ThrowProtocol($"Batch frame of lane {header.Lane} has a payload of {header.PayloadLength} bytes; it must hold at least one entry.");
                break;
            case FrameKind.Credit:
                if (header.PayloadLength != FrameLayout.CreditPayloadSize)
                    ThrowProtocol($"Credit frame of lane {header.Lane} has a payload of {header.PayloadLength} bytes; expected {FrameLayout.CreditPayloadSize}.");
                break;
            case FrameKind.Complete:
            case FrameKind.Ping:
            case FrameKind.Close:
                if (header.PayloadLength != 0)
                    ThrowProtocol($"{header.Kind} frame has a payload of {header.PayloadLength} bytes; expected none.");
                break;
            default:
                ThrowProtocol($"Unknown frame kind {(byte)header.Kind} on lane {header.Lane}.", ProtocolErrorTypes.BadKind);
                break;
        }
        if (FrameLayout.IsLaneKind(header.Kind))
        {
            if (header.Lane >= laneCount)
                ThrowProtocol($"{header.Kind} frame names lane {header.Lane}, but the contract has {laneCount} lanes.", ProtocolErrorTypes.BadLane);
        }
        else if (header.Lane != FrameLayout.LinkLane)
        {
            ThrowProtocol($"{header.Kind} frame names lane {header.Lane}; link frames use lane {FrameLayout.LinkLane}.", ProtocolErrorTypes.BadLane);
        }
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadLength(uint length, int maxFrameSize)
        => throw new ProtocolException(length < FrameLayout.LengthOverhead
            ? $"Frame length field is {length}; a frame counts at least its lane and kind ({FrameLayout.LengthOverhead} bytes)."
            : $"Frame length field is {length} bytes, over the maximum frame size of {maxFrameSize} bytes (ChannelOptions.MaxFrameSize).")
        {
            ErrorType = length < FrameLayout.LengthOverhead ? ProtocolErrorTypes.Malformed : ProtocolErrorTypes.Oversized,
        };

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    internal static void ThrowProtocol(string message) => throw new ProtocolException(message);

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    internal static void ThrowProtocol(string message, string errorType) => throw new ProtocolException(message) { ErrorType = errorType };
}
