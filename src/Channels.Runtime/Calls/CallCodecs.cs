using System.Buffers;
using System.Buffers.Binary;
using Channels.Contracts;
using Channels.Wire;

namespace Channels.Calls;

/// <summary>
/// The envelope of a call message: <c>u8 kind | u64 id</c>, little endian, followed by the inner payload (the
/// request or response encoded by the contract's codec, a fault payload, or nothing for a cancel).
/// </summary>
internal static class CallEnvelope
{
    public const int HeaderSize = 9;

    public static void WriteHeader(IBufferWriter<byte> output, byte kind, ulong id)
    {
        Span<byte> header = output.GetSpan(HeaderSize);
        header[0] = kind;
        BinaryPrimitives.WriteUInt64LittleEndian(header.Slice(1), id);
        output.Advance(HeaderSize);
    }

    /// <summary>Reads the header and returns the rest of the payload.</summary>
    /// <exception cref="ProtocolException">The payload is shorter than the header or names an unknown kind.</exception>
    public static ReadOnlySequence<byte> ReadHeader(in ReadOnlySequence<byte> payload, byte maxKind, string lane, out byte kind, out ulong id)
    {
        if (payload.Length < HeaderSize)
            throw new ProtocolException($"A message of {payload.Length} bytes on {lane} is shorter than the {HeaderSize}-byte call header.");
        Span<byte> header = stackalloc byte[HeaderSize];
        payload.Slice(0, HeaderSize).CopyTo(header);
        kind = header[0];
        if (kind > maxKind)
            throw new ProtocolException($"A message on {lane} has unknown call kind {kind}.");
        id = BinaryPrimitives.ReadUInt64LittleEndian(header.Slice(1));
        return payload.Slice(HeaderSize);
    }
}

/// <summary>Encodes the request lane of a call around the contract's request codec.</summary>
internal sealed class CallRequestCodec<TRequest>(ILaneCodec<TRequest> inner) : ILaneCodec<CallRequest<TRequest>>
{
    private const string Lane = "a call's request lane";

    public void Encode(IBufferWriter<byte> output, in CallRequest<TRequest> value)
    {
        CallEnvelope.WriteHeader(output, (byte)value.Kind, value.Id);
        if (value.Kind == CallRequestKind.Call)
            inner.Encode(output, value.Request);
    }

    public CallRequest<TRequest> Decode(in ReadOnlySequence<byte> payload)
    {
        ReadOnlySequence<byte> body = CallEnvelope.ReadHeader(payload, (byte)CallRequestKind.Cancel, Lane, out byte kind, out ulong id);
        if ((CallRequestKind)kind == CallRequestKind.Cancel)
        {
            if (!body.IsEmpty)
                throw new ProtocolException($"A cancel message on {Lane} carries {body.Length} unexpected bytes.");
            return new CallRequest<TRequest>(CallRequestKind.Cancel, id, default!);
        }
        return new CallRequest<TRequest>(CallRequestKind.Call, id, inner.Decode(body));
    }
}

/// <summary>Encodes the response lane of a call around the contract's response codec.</summary>
internal sealed class CallResponseCodec<TResponse>(ILaneCodec<TResponse> inner) : ILaneCodec<CallResponse<TResponse>>
{
    private const string Lane = "a call's response lane";

    public void Encode(IBufferWriter<byte> output, in CallResponse<TResponse> value)
    {
        CallEnvelope.WriteHeader(output, (byte)value.Kind, value.Id);
        if (value.Kind == CallResponseKind.Result)
        {
            inner.Encode(output, value.Response);
            return;
        }
        RemoteException error = value.Error!;
        output.Write(FaultPayload.Encode(error.RemoteType, error.RemoteMessage, error.RemoteStackTrace));
    }

    public CallResponse<TResponse> Decode(in ReadOnlySequence<byte> payload)
    {
        ReadOnlySequence<byte> body = CallEnvelope.ReadHeader(payload, (byte)CallResponseKind.Fault, Lane, out byte kind, out ulong id);
        if ((CallResponseKind)kind == CallResponseKind.Result)
            return new CallResponse<TResponse>(CallResponseKind.Result, id, inner.Decode(body), null);
        if (body.Length > FaultPayload.MaxTypeBytes + FaultPayload.MaxMessageBytes + FaultPayload.MaxStackBytes + 12)
            throw new ProtocolException($"A fault on {Lane} has {body.Length} bytes, more than a fault payload can hold.");
        RemoteException error = FaultPayload.Decode(body.IsSingleSegment ? body.FirstSpan : body.ToArray());
        return new CallResponse<TResponse>(CallResponseKind.Fault, id, default!, error);
    }
}
