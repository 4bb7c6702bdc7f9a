using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using MemoryPack;

namespace Channels.Benchmarks.Systems.HandWritten;

/// <summary>
/// The baseline's receiving half: large blocking <c>recv()</c> calls into one pooled buffer, frames decoded in place
/// with MemoryPack; a partial frame at the end of the buffer is moved to the front, and the buffer grows only when
/// a single frame is larger than it. Large byte arrays are received straight into the array that is returned.
/// </summary>
public sealed class SocketFrameReader : IDisposable
{
    private const int MaxFrame = 16 * 1024 * 1024;
    private const int ArrayHeader = sizeof(int);
    private readonly Socket _socket;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(256 * 1024);
    private int _start;
    private int _end;

    /// <summary>Reads from <paramref name="socket"/>, which stays owned by the caller.</summary>
    public SocketFrameReader(Socket socket) => _socket = socket;

    /// <summary>Decodes the next frame as <typeparamref name="T"/>, receiving as needed.</summary>
    public T Read<T>()
    {
        int length = ReadLength();
        Fill(sizeof(int) + length);
        T value = MemoryPackSerializer.Deserialize<T>(_buffer.AsSpan(_start + sizeof(int), length))!;
        _start += sizeof(int) + length;
        return value;
    }

    /// <summary>
    /// Decodes the next frame as a byte array (the MemoryPack encoding: <c>i32 count | bytes</c>). When the frame is
    /// not buffered whole, the rest is received directly into the result instead of through the buffer.
    /// </summary>
    public byte[] ReadBytes()
    {
        int length = ReadLength();
        if (_end - _start >= sizeof(int) + length || length < SocketFrameWriter.LargePayload)
        {
            return Read<byte[]>();
        }

        Fill(sizeof(int) + ArrayHeader);
        int count = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(_start + sizeof(int)));
        if (count != length - ArrayHeader)
        {
            throw new InvalidDataException($"byte array frame of {length} bytes announces {count} elements");
        }

        byte[] result = GC.AllocateUninitializedArray<byte>(count);
        int buffered = _end - _start - sizeof(int) - ArrayHeader;
        _buffer.AsSpan(_start + sizeof(int) + ArrayHeader, buffered).CopyTo(result);
        _start = _end = 0;
        for (int filled = buffered; filled < count;)
        {
            int received = _socket.Receive(result.AsSpan(filled));
            if (received == 0)
            {
                throw new EndOfStreamException("the sender closed the socket in the middle of a frame");
            }

            filled += received;
        }

        return result;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        ArrayPool<byte>.Shared.Return(buffer);
    }

    private int ReadLength()
    {
        Fill(sizeof(int));
        int length = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(_start));
        if ((uint)length > MaxFrame)
        {
            throw new InvalidDataException($"frame length {length} is out of range (0..{MaxFrame})");
        }

        return length;
    }

    // Receives until at least `count` bytes from _start are buffered.
    private void Fill(int count)
    {
        while (_end - _start < count)
        {
            MakeRoom(count);
            int received = _socket.Receive(_buffer.AsSpan(_end));
            if (received == 0)
            {
                throw new EndOfStreamException("the sender closed the socket in the middle of a round");
            }

            _end += received;
        }
    }

    // Keeps the partial frame and guarantees space for `frameSize` bytes from _start.
    private void MakeRoom(int frameSize)
    {
        int pending = _end - _start;
        if (_start > 0 && (_buffer.Length - _start < frameSize || _end == _buffer.Length))
        {
            _buffer.AsSpan(_start, pending).CopyTo(_buffer);
            _start = 0;
            _end = pending;
        }

        if (_buffer.Length - _start < frameSize)
        {
            byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(frameSize * 2, _buffer.Length));
            _buffer.AsSpan(_start, pending).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
            _start = 0;
            _end = pending;
        }
    }
}
