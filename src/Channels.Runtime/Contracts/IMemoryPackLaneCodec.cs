namespace Channels.Contracts;

/// <summary>
/// Marks a lane codec that encodes and decodes exactly as <c>MemoryPack.MemoryPackSerializer</c> does for its message
/// type with default options. The generator implements it for every message type it does not copy as raw bytes; a
/// link then encodes a <c>[MemoryPackable]</c> message itself, straight into its own send buffer through a writer
/// made for that buffer and the type's own generated code, instead of through
/// <see cref="System.Buffers.IBufferWriter{T}"/> and MemoryPack's formatter (an interface call per buffer request and
/// a generic virtual call per message). The bytes are the same either way.
/// </summary>
/// <remarks>A codec written by hand must not implement this unless its encoding is MemoryPack's.</remarks>
public interface IMemoryPackLaneCodec
{
}
