using System.Buffers.Binary;
using Channels.Diagnostics;

namespace Channels.Wire;

/// <summary>Walks the <c>u32 length | encoding</c> entries of a Batch payload, checking each length against what is left.</summary>
internal ref struct BatchReader
{
    private readonly ReadOnlySpan<byte> _payload;
    private int _position;

    /// <summary>Starts at the entry of <paramref name="payload"/> at <paramref name="position"/> (the first by default).</summary>
    public BatchReader(ReadOnlySpan<byte> payload, int position = 0)
    {
        _payload = payload;
        _position = position;
    }

    /// <summary>Finds the next entry; returns false at the end of the payload.</summary>
    /// <param name="offset">Where the entry's encoding starts within the payload.</param>
    /// <param name="length">The entry's encoding length.</param>
    public bool TryNext(out int offset, out int length)
    {
        int remaining = _payload.Length - _position;
        if (remaining == 0)
        {
            offset = 0;
            length = 0;
            return false;
        }
        if (remaining < FrameLayout.BatchEntryPrefixSize)
            FrameParser.ThrowProtocol($"Batch entry at offset {_position} is cut short: {remaining} bytes left, an entry needs {FrameLayout.BatchEntryPrefixSize} for its length.", ProtocolErrorTypes.Truncated);
        uint entry = BinaryPrimitives.ReadUInt32LittleEndian(_payload.Slice(_position));
        if (entry > (uint)(remaining - FrameLayout.BatchEntryPrefixSize))
            FrameParser.ThrowProtocol($"Batch entry at offset {_position} claims {entry} bytes; only {remaining - FrameLayout.BatchEntryPrefixSize} are left in the frame.", ProtocolErrorTypes.Truncated);
        offset = _position + FrameLayout.BatchEntryPrefixSize;
        length = (int)entry;
        _position = offset + length;
        return true;
    }
}
