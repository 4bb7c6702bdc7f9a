using System.Buffers.Binary;

namespace Channels;

/// <summary>
/// Chunks of one pool function sent to a worker in one call: the function's registry name and, per chunk, its
/// serialized arguments (MemoryPack <c>TArg[]</c>). A worker that has room for several chunks of tiny tasks gets them
/// in one call and answers them in one reply, so each task does not pay a call of its own.
/// </summary>
internal readonly record struct PoolBundle(string Function, byte[][] Chunks)
{
    /// <summary>The most chunks one call carries.</summary>
    public const int MaxChunks = 64;

    /// <summary>
    /// The worker's reply to a bundle: <c>u16 count | (u32 length | chunk reply)*</c>, one <see cref="PoolReply"/> per
    /// chunk in order; a bundle of one chunk is answered with that chunk's reply as it is (a large chunk's reply is
    /// not copied twice more).
    /// </summary>
    public static byte[] JoinReplies(byte[][] replies)
    {
        if (replies.Length == 1)
            return replies[0];
        int size = sizeof(ushort);
        foreach (byte[] reply in replies)
            size += sizeof(uint) + reply.Length;
        byte[] joined = new byte[size];
        BinaryPrimitives.WriteUInt16LittleEndian(joined, (ushort)replies.Length);
        int offset = sizeof(ushort);
        foreach (byte[] reply in replies)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(joined.AsSpan(offset), (uint)reply.Length);
            reply.CopyTo(joined, offset + sizeof(uint));
            offset += sizeof(uint) + reply.Length;
        }
        return joined;
    }

    /// <summary>The chunk replies of a bundle of <paramref name="expected"/> chunks.</summary>
    /// <exception cref="ProtocolException">The reply is not <paramref name="expected"/> whole chunk replies.</exception>
    public static byte[][] SplitReplies(byte[] joined, int expected)
    {
        if (expected == 1)
            return [joined];
        if (joined.Length < sizeof(ushort) || BinaryPrimitives.ReadUInt16LittleEndian(joined) != expected)
            throw new ProtocolException($"A pool worker answered a bundle of {expected} chunks with a reply of {joined.Length} bytes that does not hold {expected} chunk replies.");
        var replies = new byte[expected][];
        int offset = sizeof(ushort);
        for (int i = 0; i < expected; i++)
        {
            if (joined.Length - offset < sizeof(uint))
                throw new ProtocolException($"A pool worker's reply to a bundle of {expected} chunks ends inside the length of chunk reply {i}.");
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(joined.AsSpan(offset));
            offset += sizeof(uint);
            if (length > (uint)(joined.Length - offset))
                throw new ProtocolException($"A pool worker's reply to a bundle claims {length} bytes for chunk reply {i}; {joined.Length - offset} are left.");
            replies[i] = joined.AsSpan(offset, (int)length).ToArray();
            offset += (int)length;
        }
        if (offset != joined.Length)
            throw new ProtocolException($"A pool worker's reply to a bundle of {expected} chunks has {joined.Length - offset} bytes after its last chunk reply.");
        return replies;
    }
}
