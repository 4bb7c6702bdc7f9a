using System.Buffers;

namespace Channels.Queues;

/// <summary>
/// A thread's reusable buffers for queue items: the encoding of an item being put (an <see cref="IBufferWriter{T}"/>
/// for the lane codec) and the copy of an item being got. Pooled arrays that only grow, so a steady stream of items
/// allocates nothing.
/// </summary>
internal sealed class QueueScratch : IBufferWriter<byte>
{
    private const int InitialBytes = 256;

    [ThreadStatic]
    private static QueueScratch? t_current;

    private byte[] _put = ArrayPool<byte>.Shared.Rent(InitialBytes);
    private int _written;

    /// <summary>The buffer that gets copy items into (grown by the engine when too small).</summary>
    public byte[] GetBuffer = ArrayPool<byte>.Shared.Rent(InitialBytes);

    /// <summary>This thread's scratch.</summary>
    public static QueueScratch Current => t_current ??= new QueueScratch();

    /// <summary>What was written since <see cref="Reset"/>.</summary>
    public ReadOnlySpan<byte> Written => _put.AsSpan(0, _written);

    public int WrittenCount => _written;

    public void Reset() => _written = 0;

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_put.Length - _written))
            throw new ArgumentOutOfRangeException(nameof(count), count, "Advanced past the buffer.");
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _put.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _put.AsSpan(_written);
    }

    private void Ensure(int sizeHint)
    {
        if (sizeHint < 1) sizeHint = 1;
        if (_put.Length - _written >= sizeHint) return;
        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(_put.Length * 2, _written + sizeHint));
        _put.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_put);
        _put = larger;
    }
}
