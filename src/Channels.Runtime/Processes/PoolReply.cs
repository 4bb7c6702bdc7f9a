using System.Buffers;
using System.Buffers.Binary;
using Channels.Wire;
using MemoryPack;

namespace Channels;

/// <summary>One item of a chunk that failed in the worker, by its index in the chunk.</summary>
internal readonly record struct PoolItemError(int Index, RemoteException Error);

/// <summary>
/// A worker's answer to one chunk: <c>u32 error count | (u32 index | u32 length | fault payload) per error |
/// MemoryPack TResult[]</c> (failed items hold default values).
/// </summary>
internal static class PoolReply
{
    public static byte[] Encode<TResult>(TResult[] results, List<PoolItemError>? errors)
    {
        var output = new ArrayBufferWriter<byte>();
        Span<byte> word = output.GetSpan(4);
        BinaryPrimitives.WriteUInt32LittleEndian(word, (uint)(errors?.Count ?? 0));
        output.Advance(4);
        if (errors is not null)
        {
            foreach (PoolItemError error in errors)
            {
                byte[] fault = FaultPayload.Encode(error.Error.RemoteType, error.Error.RemoteMessage, error.Error.RemoteStackTrace);
                Span<byte> header = output.GetSpan(8);
                BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)error.Index);
                BinaryPrimitives.WriteUInt32LittleEndian(header.Slice(4), (uint)fault.Length);
                output.Advance(8);
                output.Write(fault);
            }
        }
        MemoryPackSerializer.Serialize(output, results);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a reply for a chunk of <paramref name="count"/> items.</summary>
    /// <exception cref="ProtocolException">The reply is malformed or does not hold <paramref name="count"/> results.</exception>
    public static TResult[] Decode<TResult>(byte[] reply, int count, out List<PoolItemError>? errors)
    {
        errors = null;
        ReadOnlySpan<byte> rest = reply;
        if (rest.Length < 4)
            throw new ProtocolException($"A pool reply of {reply.Length} bytes is cut short before its error count.");
        uint errorCount = BinaryPrimitives.ReadUInt32LittleEndian(rest);
        rest = rest.Slice(4);
        if (errorCount > (uint)count)
            throw new ProtocolException($"A pool reply for {count} items claims {errorCount} failed items.");
        for (int i = 0; i < (int)errorCount; i++)
        {
            if (rest.Length < 8)
                throw new ProtocolException("A pool reply is cut short inside its errors.");
            uint index = BinaryPrimitives.ReadUInt32LittleEndian(rest);
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(rest.Slice(4));
            if (index >= (uint)count || length > (uint)(rest.Length - 8))
                throw new ProtocolException($"A pool reply names item {index} of {count} with an error of {length} bytes ({rest.Length - 8} left).");
            (errors ??= []).Add(new PoolItemError((int)index, FaultPayload.Decode(rest.Slice(8, (int)length))));
            rest = rest.Slice(8 + (int)length);
        }
        TResult[]? results;
        try
        {
            results = MemoryPackSerializer.Deserialize<TResult[]>(rest);
        }
        catch (MemoryPackSerializationException ex)
        {
            throw new ProtocolException($"The results of a pool reply do not decode as {typeof(TResult)}[]: {ex.Message}", ex);
        }
        if (results is null || results.Length != count)
            throw new ProtocolException($"A pool reply for {count} items holds {results?.Length ?? 0} results.");
        return results;
    }
}
