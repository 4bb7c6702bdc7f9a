using System.Diagnostics;
using System.Net.Sockets;

namespace Channels.Transports.UnixSocket;

/// <summary>
/// A link over a connected, authenticated Unix domain stream socket. Sends are one system call for everything the
/// link coalesced (non-blocking for <see cref="TrySend"/>); one receive loop reads large chunks and hands every
/// complete frame to the link.
/// </summary>
[DebuggerDisplay("Unix socket transport, closed {_closed != 0}")]
internal sealed class UnixSocketTransport : ILinkTransport
{
    private readonly Socket _socket;
    private int _closed;

    /// <summary>Takes ownership of <paramref name="socket"/>, whose handshake is done.</summary>
    public UnixSocketTransport(Socket socket)
    {
        _socket = socket;
        // Synchronous sends then never block (TrySend); asynchronous operations are unaffected.
        _socket.Blocking = false;
    }

    public string Description => "Unix socket";

    // Every send() is a system call that wakes the receiving thread: fewer, larger ones cost both ends less.
    public bool PrefersFewerSends => true;

    public void Start(IFrameReceiver receiver, int maxFrameSize, int laneCount)
        => _ = ReceiveLoopAsync(receiver, maxFrameSize, laneCount);

    public int TrySend(ReadOnlySpan<byte> frames)
    {
        if (Volatile.Read(ref _closed) != 0)
            return 0;
        int sent;
        SocketError error;
        try
        {
            sent = _socket.Send(frames, SocketFlags.None, out error);
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
        if (error is SocketError.Success)
            return sent;
        if (error is SocketError.WouldBlock)
            return 0;
        throw new SocketException((int)error);
    }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> frames)
    {
        while (frames.Length > 0)
        {
            int sent = await _socket.SendAsync(frames, SocketFlags.None).ConfigureAwait(false);
            frames = frames.Slice(sent);
        }
    }

    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed by the other side.
        }
        _socket.Dispose();
    }

    private async Task ReceiveLoopAsync(IFrameReceiver receiver, int maxFrameSize, int laneCount)
    {
        using var frames = new FrameAssembler(receiver, maxFrameSize, laneCount);
        Exception? end;
        try
        {
            while (true)
            {
                int received = await _socket.ReceiveAsync(frames.GetReceiveMemory(), SocketFlags.None).ConfigureAwait(false);
                if (received == 0)
                {
                    end = frames.EndOfStreamError(Description);
                    break;
                }
                frames.Commit(received);
            }
        }
        catch (Exception ex)
        {
            end = ex;
        }
        receiver.OnEnd(end);
    }
}
