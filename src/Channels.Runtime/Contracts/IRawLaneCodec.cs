namespace Channels.Contracts;

/// <summary>
/// A lane codec whose encoding of <typeparamref name="T"/> is its raw bytes: exactly
/// <c>Unsafe.SizeOf&lt;T&gt;()</c> of them, as MemoryPack encodes an unmanaged struct. The generator implements it for
/// the unmanaged message types of a contract; a link then copies such messages into and out of its frames itself,
/// with no call into the codec per message (the codec still decodes, and refuses, a payload of another size).
/// </summary>
/// <typeparam name="T">The lane's message type, an unmanaged struct.</typeparam>
public interface IRawLaneCodec<T> : ISpanLaneCodec<T>
{
}
