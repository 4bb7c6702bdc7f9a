namespace Channels.Contracts;

/// <summary>
/// Marks a lane codec of <see cref="T:System.Byte[]"/> whose encoding is MemoryPack's: a little-endian <c>i32</c>
/// element count (<c>-1</c> for null), then the bytes. The generator implements it for every byte-array message type
/// of a contract; a link then gives a large array a frame of its own and receives it straight into the array the
/// reader gets, instead of through its receive buffer and the codec (a copy less per message).
/// </summary>
public interface IByteArrayLaneCodec
{
}
