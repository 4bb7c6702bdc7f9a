using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using NATS.Client.Core;

namespace Channels.Nats.Links;

/// <summary>
/// Carries one end of a link over NATS: the bytes its link writes into a local socket go out as messages on the
/// other end's inbox, and the messages arriving on this end's inbox come back into the socket. Whatever the link
/// has written by the time the bridge reads goes out as one message (up to 64 KiB), so a busy writer's frames
/// share NATS messages and an idle writer's single frame leaves at once.
/// </summary>
/// <remarks>
/// Each message starts with a 64-bit sequence number; a message of the number alone marks the end of the stream
/// (the link closed its side). A missing number (NATS dropped a message), a malformed message or the loss of the
/// server connection cuts the local socket, which the link reports as <see cref="PeerLostException"/>: a link never
/// goes on past a hole in its stream. Pings and the peer timeout are the link's own, carried like any frame.
/// </remarks>
internal sealed class NatsLinkBridge
{
    private const int HeaderSize = sizeof(ulong);
    private const int ChunkSize = 64 * 1024;

    private readonly SharedConnection _connection;
    private readonly INatsSub<NatsMemoryOwner<byte>> _inbox;
    private readonly string _outbox;
    private readonly Socket _local;
    private readonly TimeSpan _peerTimeout;
    private readonly CancellationTokenSource _stop = new();
    private readonly Action _onLost;

    private NatsLinkBridge(SharedConnection connection, INatsSub<NatsMemoryOwner<byte>> inbox, string outbox, Socket local, TimeSpan peerTimeout)
    {
        _connection = connection;
        _inbox = inbox;
        _outbox = outbox;
        _local = local;
        _peerTimeout = peerTimeout;
        _onLost = Abort;
    }

    /// <summary>Why the bridge cut the link, when it did (diagnostics).</summary>
    public string? AbortReason { get; private set; }

    /// <summary>Starts carrying <paramref name="local"/> over <paramref name="connection"/> (which it uses until the link ends).</summary>
    public static NatsLinkBridge Start(SharedConnection connection, INatsSub<NatsMemoryOwner<byte>> inbox, string outbox, Socket local, TimeSpan peerTimeout)
    {
        var bridge = new NatsLinkBridge(connection, inbox, outbox, local, peerTimeout);
        connection.AddUser(bridge._onLost);
        _ = bridge.RunAsync();
        return bridge;
    }

    /// <summary>Subscribes the inbox a bridge reads, with a channel that holds every message credit lets through.</summary>
    public static ValueTask<INatsSub<NatsMemoryOwner<byte>>> SubscribeAsync(NatsConnection connection, string subject, CancellationToken cancellationToken)
        => connection.SubscribeCoreAsync<NatsMemoryOwner<byte>>(subject, cancellationToken: cancellationToken);

    private async Task RunAsync()
    {
        Task inbound = PumpInAsync();
        try
        {
            await PumpOutAsync().ConfigureAwait(false);
            // This side has closed; the peer's end marker (or its silence) ends the other direction.
            if (await Task.WhenAny(inbound, Task.Delay(_peerTimeout)).ConfigureAwait(false) != inbound)
                Abort("the peer did not close its side within the peer timeout");
            await inbound.ConfigureAwait(false);
        }
        finally
        {
            _local.Dispose();
            await _inbox.DisposeAsync().ConfigureAwait(false);
            await _connection.ReleaseAsync(_onLost).ConfigureAwait(false);
            _stop.Dispose();
        }
    }

    private async Task PumpOutAsync()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(HeaderSize + ChunkSize);
        ulong sequence = 0;
        try
        {
            while (true)
            {
                int read = await _local.ReceiveAsync(buffer.AsMemory(HeaderSize, ChunkSize), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                BinaryPrimitives.WriteUInt64LittleEndian(buffer, ++sequence);
                // The payload is copied into the connection's buffer before PublishAsync returns: the buffer is free again.
                await _connection.Connection.PublishAsync<ReadOnlyMemory<byte>>(_outbox, buffer.AsMemory(0, HeaderSize + read), cancellationToken: _stop.Token).ConfigureAwait(false);
                if (read == 0)
                    return;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or NatsException)
        {
            Abort("sending failed: " + ex.Message);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task PumpInAsync()
    {
        ulong expected = 1;
        try
        {
            await foreach (NatsMsg<NatsMemoryOwner<byte>> message in _inbox.Msgs.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                using NatsMemoryOwner<byte> owner = message.Data;
                ReadOnlyMemory<byte> data = owner.Memory;
                if (data.Length < HeaderSize)
                {
                    Abort($"a message of {data.Length} bytes arrived, shorter than its sequence number");
                    return;
                }
                ulong sequence = BinaryPrimitives.ReadUInt64LittleEndian(data.Span);
                if (sequence != expected)
                {
                    Abort($"message {sequence} arrived where {expected} was due (NATS dropped messages)");
                    return;
                }
                expected++;
                if (data.Length == HeaderSize)
                {
                    _local.Shutdown(SocketShutdown.Send);
                    return;
                }
                for (ReadOnlyMemory<byte> rest = data.Slice(HeaderSize); !rest.IsEmpty;)
                    rest = rest.Slice(await _local.SendAsync(rest, SocketFlags.None, _stop.Token).ConfigureAwait(false));
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or NatsException)
        {
            Abort("receiving failed: " + ex.Message);
        }
    }

    private void Abort() => Abort("the connection to the NATS server was lost");

    /// <summary>Cuts the local socket: the link sees its connection close without a goodbye and ends with <see cref="PeerLostException"/>.</summary>
    private void Abort(string reason)
    {
        if (_stop.IsCancellationRequested)
            return;
        AbortReason ??= reason;
        try
        {
            _stop.Cancel();
            _local.Close(0);
        }
        catch (ObjectDisposedException)
        {
            // Already ended.
        }
    }
}
