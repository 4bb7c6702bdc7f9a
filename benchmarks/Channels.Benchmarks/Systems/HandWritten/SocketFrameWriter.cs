using System.Buffers.Binary;
using System.Net.Sockets;
using MemoryPack;

namespace Channels.Benchmarks.Systems.HandWritten;

/// <summary>
/// The baseline's sending half: length-prefixed MemoryPack frames coalesced in one pooled buffer, written with one
/// blocking <c>send()</c> once 64 KiB have gathered (or when the caller flushes), so a million small messages take
/// a few hundred system calls.
/// </summary>
public sealed class SocketFrameWriter : IDisposable
{
    /// <summary>How many bytes gather before a <c>send()</c>.</summary>
    public const int FlushThreshold = 64 * 1024;

    /// <summary>Byte arrays from this size on are sent from the caller's array instead of being copied into the batch.</summary>
    public const int LargePayload = 16 * 1024;

    private readonly Socket _socket;
    private readonly PooledBufferWriter _buffer = new(2 * FlushThreshold);

    /// <summary>Writes to <paramref name="socket"/>, which stays owned by the caller.</summary>
    public SocketFrameWriter(Socket socket) => _socket = socket;

    /// <summary>Appends one frame; sends the batch when it has reached <see cref="FlushThreshold"/>.</summary>
    public void Write<T>(in T value)
    {
        int start = _buffer.WrittenCount;
        _buffer.GetSpan(sizeof(int));
        _buffer.Advance(sizeof(int));
        MemoryPackSerializer.Serialize(_buffer, in value);
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.WrittenFrom(start), _buffer.WrittenCount - start - sizeof(int));
        if (_buffer.WrittenCount >= FlushThreshold)
        {
            Flush();
        }
    }

    /// <summary>
    /// Appends one byte-array frame, the same bytes on the wire as <see cref="Write{T}"/> (MemoryPack's
    /// <c>i32 count | bytes</c>); a large array is not copied: the batch with its frame header goes first, then the
    /// array itself.
    /// </summary>
    public void WriteBytes(byte[] payload)
    {
        if (payload.Length < LargePayload)
        {
            Write(payload);
            return;
        }

        Span<byte> head = _buffer.GetSpan(2 * sizeof(int));
        BinaryPrimitives.WriteInt32LittleEndian(head, payload.Length + sizeof(int));
        BinaryPrimitives.WriteInt32LittleEndian(head[sizeof(int)..], payload.Length);
        _buffer.Advance(2 * sizeof(int));
        Flush();
        SendAll(payload);
    }

    /// <summary>Sends everything gathered.</summary>
    public void Flush()
    {
        SendAll(_buffer.WrittenSpan);
        _buffer.Clear();
    }

    /// <inheritdoc/>
    public void Dispose() => _buffer.Dispose();

    private void SendAll(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            int sent = _socket.Send(bytes);
            bytes = bytes[sent..];
        }
    }
}
