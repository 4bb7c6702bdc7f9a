using System.Buffers;

namespace Channels.Wire;

/// <summary>
/// An <see cref="OutputBuffer"/> as a struct <see cref="IBufferWriter{T}"/>: MemoryPack's writer over it is compiled
/// for this type, so its buffer requests are direct calls rather than interface calls through shared generic code.
/// </summary>
internal readonly struct OutputBufferWriter(OutputBuffer buffer) : IBufferWriter<byte>
{
    public void Advance(int count) => buffer.Advance(count);

    public Memory<byte> GetMemory(int sizeHint = 0) => buffer.GetMemory(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => buffer.GetSpan(sizeHint);
}
