using System.Diagnostics;
using System.Net.Sockets;
using Channels.Benchmarks.Messages;
using Channels.Benchmarks.SideBySide;

namespace Channels.Benchmarks.Systems.HandWritten;

/// <summary>The baseline's parent end: blocking sends of batched frames on the calling thread.</summary>
public sealed class HandWrittenSender : IPairSender
{
    private readonly Socket _socket;
    private readonly SocketFrameWriter _writer;
    private readonly SocketFrameReader _reader;

    /// <summary>Owns <paramref name="socket"/>.</summary>
    public HandWrittenSender(Socket socket)
    {
        _socket = socket;
        _writer = new SocketFrameWriter(socket);
        _reader = new SocketFrameReader(socket);
    }

    /// <inheritdoc/>
    public ValueTask SendAsync(CaseKind kind, int count, CancellationToken cancellationToken)
    {
        switch (kind)
        {
            case CaseKind.Small:
                SmallRecord[] small = Payloads.SmallRing;
                for (int i = 0; i < count; i++)
                {
                    _writer.Write(small[i % Payloads.RingSize]);
                }

                break;
            case CaseKind.Struct32:
                Struct32[] structs = Payloads.StructRing;
                for (int i = 0; i < count; i++)
                {
                    _writer.Write(in structs[i % Payloads.RingSize]);
                }

                break;
            default:
                byte[] payload = kind == CaseKind.Bytes1K ? Payloads.Bytes1K : Payloads.Bytes64K;
                for (int i = 0; i < count; i++)
                {
                    _writer.WriteBytes(payload);
                }

                break;
        }

        _writer.Flush();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask PingPongAsync(long[] latencies, CancellationToken cancellationToken)
    {
        SmallRecord ping = Payloads.Ping;
        for (int i = 0; i < latencies.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            _writer.Write(ping);
            _writer.Flush();
            ping = _reader.Read<SmallRecord>();
            latencies[i] = Stopwatch.GetTimestamp() - start;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _writer.Dispose();
        _reader.Dispose();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
