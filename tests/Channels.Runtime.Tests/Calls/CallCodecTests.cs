using System.Buffers;
using Channels.Calls;
using Channels.Contracts;
using Xunit;

namespace Channels.Runtime.Tests.Calls;

public sealed class CallCodecTests
{
    private static readonly CallRequestCodec<int> Requests = new(new Int32Codec());
    private static readonly CallResponseCodec<int> Responses = new(new Int32Codec());

    [Fact]
    public void RequestsCancelsResultsAndFaultsRoundTrip()
    {
        Assert.Equal(new CallRequest<int>(CallRequestKind.Call, 5, 77), Requests.Decode(Encode(Requests, new CallRequest<int>(CallRequestKind.Call, 5, 77))));
        Assert.Equal(new CallRequest<int>(CallRequestKind.Cancel, ulong.MaxValue, 0), Requests.Decode(Encode(Requests, new CallRequest<int>(CallRequestKind.Cancel, ulong.MaxValue, 0))));
        Assert.Equal(new CallResponse<int>(CallResponseKind.Result, 9, -3, null), Responses.Decode(Encode(Responses, new CallResponse<int>(CallResponseKind.Result, 9, -3, null))));

        var fault = Responses.Decode(Encode(Responses, new CallResponse<int>(CallResponseKind.Fault, 2, 0, new RemoteException("System.IO.IOException", "disk", "at X"))));
        Assert.Equal(CallResponseKind.Fault, fault.Kind);
        Assert.Equal(2UL, fault.Id);
        Assert.Equal("System.IO.IOException", fault.Error!.RemoteType);
        Assert.Equal("disk", fault.Error.RemoteMessage);
        Assert.Equal("at X", fault.Error.RemoteStackTrace);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0, 1, 2, 3 })]
    [InlineData(new byte[] { 0, 1, 0, 0, 0, 0, 0, 0 })]
    public void ATruncatedHeaderIsAProtocolError(byte[] payload)
    {
        Assert.Throws<ProtocolException>(() => Requests.Decode(new ReadOnlySequence<byte>(payload)));
        Assert.Throws<ProtocolException>(() => Responses.Decode(new ReadOnlySequence<byte>(payload)));
    }

    [Fact]
    public void AnUnknownKindACancelWithABodyAndABadFaultAreProtocolErrors()
    {
        byte[] unknown = [7, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0];
        Assert.Throws<ProtocolException>(() => Requests.Decode(new ReadOnlySequence<byte>(unknown)));
        Assert.Throws<ProtocolException>(() => Responses.Decode(new ReadOnlySequence<byte>(unknown)));

        byte[] cancelWithBody = [1, 1, 0, 0, 0, 0, 0, 0, 0, 9];
        Assert.Throws<ProtocolException>(() => Requests.Decode(new ReadOnlySequence<byte>(cancelWithBody)));

        byte[] faultClaimingTooMuch = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f];
        Assert.Throws<ProtocolException>(() => Responses.Decode(new ReadOnlySequence<byte>(faultClaimingTooMuch)));

        byte[] resultCutShort = [0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 2];
        Assert.Throws<ProtocolException>(() => Responses.Decode(new ReadOnlySequence<byte>(resultCutShort)));
    }

    private static ReadOnlySequence<byte> Encode<T>(ILaneCodec<T> codec, T value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        codec.Encode(buffer, value);
        return new ReadOnlySequence<byte>(buffer.WrittenMemory);
    }

    private sealed class Int32Codec : ILaneCodec<int>
    {
        public void Encode(IBufferWriter<byte> output, in int value)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(4), value);
            output.Advance(4);
        }

        public int Decode(in ReadOnlySequence<byte> payload)
        {
            if (payload.Length != 4)
                throw new ProtocolException($"An int takes 4 bytes, not {payload.Length}.");
            Span<byte> bytes = stackalloc byte[4];
            payload.CopyTo(bytes);
            return System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes);
        }
    }
}
