using System.Buffers;
using System.Buffers.Binary;

namespace Channels.Wire;

/// <summary>A growable <see cref="IBufferWriter{T}"/> over pooled arrays, into which writers encode frames until the send loop takes it.</summary>
internal sealed class OutputBuffer : IBufferWriter<byte>, IDisposable
{
    private const int InitialSize = 64 * 1024;
    private const int KeepAtMost = 4 * 1024 * 1024;
    private byte[] _array = ArrayPool<byte>.Shared.Rent(InitialSize);
    private int _written;

    /// <summary>Bytes written so far.</summary>
    public int Written => _written;

    /// <summary>The written bytes, for patching headers.</summary>
    public Span<byte> WrittenSpan => _array.AsSpan(0, _written);

    /// <summary>The written bytes, for sending.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _array.AsMemory(0, _written);

    /// <summary>Reserves <paramref name="count"/> bytes to be filled in later (a header, a length prefix); returns their offset.</summary>
    public int Reserve(int count)
    {
        if (_array.Length - _written < count)
            Grow(count);
        int offset = _written;
        _written += count;
        return offset;
    }

    /// <summary>
    /// Appends one Batch entry of an unmanaged message: its little-endian <c>u32</c> length, then its raw bytes (what an
    /// <see cref="Contracts.IRawLaneCodec{T}"/> would write), with one reservation and no call into a codec.
    /// </summary>
    public void AppendRawEntry<T>(in T item)
    {
        int start = Reserve(FrameLayout.BatchEntryPrefixSize + System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        FrameLayout.WriteRawEntry(ref _array[start], in item);
    }

    /// <summary>Fills a reserved little-endian <c>u32</c> at <paramref name="offset"/>.</summary>
    public void WriteUInt32At(int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(_array.AsSpan(offset, sizeof(uint)), value);

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_array.Length - _written))
            throw new ArgumentOutOfRangeException(nameof(count), $"Cannot advance {count} bytes: {_array.Length - _written} are free.");
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        if (_array.Length - _written < Math.Max(sizeHint, 1))
            Grow(sizeHint);
        return _array.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        if (_array.Length - _written < Math.Max(sizeHint, 1))
            Grow(sizeHint);
        return _array.AsSpan(_written);
    }

    /// <summary>Drops everything after <paramref name="length"/> (a message whose encoding failed).</summary>
    public void Truncate(int length) => _written = length;

    /// <summary>Drops the first <paramref name="count"/> bytes (sent already), moving the rest to the front.</summary>
    public void Discard(int count)
    {
        if ((uint)count > (uint)_written)
            throw new ArgumentOutOfRangeException(nameof(count), $"Cannot discard {count} bytes: {_written} are written.");
        _array.AsSpan(count, _written - count).CopyTo(_array);
        _written -= count;
    }

    /// <summary>Empties the buffer after a send, giving back an array grown by a huge message.</summary>
    public void Reset()
    {
        _written = 0;
        if (_array.Length > KeepAtMost)
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = ArrayPool<byte>.Shared.Rent(InitialSize);
        }
    }

    public void Dispose()
    {
        byte[] array = _array;
        _array = [];
        _written = 0;
        if (array.Length > 0)
            ArrayPool<byte>.Shared.Return(array);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void Grow(int sizeHint)
    {
        int needed = Math.Max(sizeHint, 1);
        int size = Math.Max(checked(_written + needed), _array.Length * 2);
        byte[] bigger = ArrayPool<byte>.Shared.Rent(size);
        _array.AsSpan(0, _written).CopyTo(bigger);
        byte[] old = _array;
        _array = bigger;
        if (old.Length > 0)
            ArrayPool<byte>.Shared.Return(old);
    }
}
