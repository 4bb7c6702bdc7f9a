using System.Buffers.Binary;
using System.Net.Sockets;
using Channels.Benchmarks.Messages;
using Channels.Benchmarks.SideBySide;
using Channels.Benchmarks.Systems.HandWritten;
using MemoryPack;

namespace Channels.Benchmarks.Systems.CodecAlone;

/// <summary>The encoding half: the baseline's framing and MemoryPack calls, with the buffer reset where the baseline sends it.</summary>
public sealed class CodecAloneSender(Socket socket) : IPairSender
{
    private readonly PooledBufferWriter _buffer = new(2 * SocketFrameWriter.FlushThreshold);
    private readonly byte[] _signal = new byte[1];

    /// <inheritdoc/>
    public ValueTask SendAsync(CaseKind kind, int count, CancellationToken cancellationToken)
    {
        socket.Send(_signal);
        if (kind == CaseKind.Small)
        {
            SmallRecord[] small = Payloads.SmallRing;
            for (int i = 0; i < count; i++)
            {
                Write(small[i % Payloads.RingSize]);
            }
        }
        else
        {
            Struct32[] structs = Payloads.StructRing;
            for (int i = 0; i < count; i++)
            {
                Write(in structs[i % Payloads.RingSize]);
            }
        }

        _buffer.Clear();
        socket.Send(_signal);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask PingPongAsync(long[] latencies, CancellationToken cancellationToken)
        => throw new NotSupportedException("the codec-alone system has no ping-pong case");

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _buffer.Dispose();
        socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Write<T>(in T value)
    {
        int start = _buffer.WrittenCount;
        _buffer.GetSpan(sizeof(int));
        _buffer.Advance(sizeof(int));
        MemoryPackSerializer.Serialize(_buffer, in value);
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.WrittenFrom(start), _buffer.WrittenCount - start - sizeof(int));
        if (_buffer.WrittenCount >= SocketFrameWriter.FlushThreshold)
        {
            _buffer.Clear();
        }
    }
}
