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

    /// <summary>Sends everything gathered.</summary>
    public void Flush()
    {
        ReadOnlySpan<byte> pending = _buffer.WrittenSpan;
        while (!pending.IsEmpty)
        {
            int sent = _socket.Send(pending);
            pending = pending[sent..];
        }

        _buffer.Clear();
    }

    /// <inheritdoc/>
    public void Dispose() => _buffer.Dispose();
}
