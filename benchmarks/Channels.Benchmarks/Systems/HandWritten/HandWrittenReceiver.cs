using System.Net.Sockets;
using Channels.Benchmarks.Messages;
using Channels.Benchmarks.SideBySide;

namespace Channels.Benchmarks.Systems.HandWritten;

/// <summary>The baseline's child end: blocking receives, in-place decoding, echo by write-and-flush.</summary>
public sealed class HandWrittenReceiver : IPairReceiver
{
    private readonly Socket _socket;
    private readonly SocketFrameReader _reader;
    private readonly SocketFrameWriter _writer;

    /// <summary>Owns <paramref name="socket"/>.</summary>
    public HandWrittenReceiver(Socket socket)
    {
        _socket = socket;
        _reader = new SocketFrameReader(socket);
        _writer = new SocketFrameWriter(socket);
    }

    /// <inheritdoc/>
    public ValueTask<long> ReceiveAsync(CaseKind kind, int count, CancellationToken cancellationToken)
    {
        long checksum = 0;
        switch (kind)
        {
            case CaseKind.Small:
                for (int i = 0; i < count; i++)
                {
                    checksum += Checksums.Of(_reader.Read<SmallRecord>());
                }

                break;
            case CaseKind.Struct32:
                for (int i = 0; i < count; i++)
                {
                    Struct32 value = _reader.Read<Struct32>();
                    checksum += Checksums.Of(in value);
                }

                break;
            default:
                for (int i = 0; i < count; i++)
                {
                    checksum += Checksums.Of(_reader.ReadBytes());
                }

                break;
        }

        return ValueTask.FromResult(checksum);
    }

    /// <inheritdoc/>
    public ValueTask EchoAsync(int count, CancellationToken cancellationToken)
    {
        for (int i = 0; i < count; i++)
        {
            _writer.Write(_reader.Read<SmallRecord>());
            _writer.Flush();
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _writer.Dispose();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
