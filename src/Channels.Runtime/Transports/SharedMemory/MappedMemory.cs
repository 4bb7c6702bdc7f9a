using System.Buffers;

namespace Channels.Transports.SharedMemory;

/// <summary>
/// A <see cref="Memory{T}"/> view of mapped memory, so that received frames are handed to the link straight out of
/// the ring. The mapping's lifetime is the transport's business (it outlives every frame delivery); pinning is a
/// no-op because mapped memory never moves.
/// </summary>
internal sealed unsafe class MappedMemory : MemoryManager<byte>
{
    private readonly byte* _pointer;
    private readonly int _length;

    public MappedMemory(byte* pointer, int length)
    {
        _pointer = pointer;
        _length = length;
    }

    public override Span<byte> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)elementIndex, (uint)_length, nameof(elementIndex));
        return new MemoryHandle(_pointer + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
