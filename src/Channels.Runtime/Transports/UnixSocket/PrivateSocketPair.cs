using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;

namespace Channels.Transports.UnixSocket;

/// <summary>
/// After the handshake, a Unix socket link moves to a socket pair that only its two ends hold: the opener creates it
/// and hands one end to the peer over the authenticated socket (<see cref="DescriptorPassing"/>, tag
/// <see cref="Tag"/>); both then close the handshake's socket.
/// </summary>
/// <remarks>
/// The handshake's socket has been through the runtime's socket engine (connect, accept and the handshake's reads are
/// asynchronous), which watches a socket for good once it has; on a busy link that woke the engine's epoll thread and
/// a thread-pool thread for every chunk received, in both processes (measured: about 5,000 context switches per
/// million 32-byte messages on each side, against 600–1,000 without, and ping-pong round trips of 25–40 µs instead of
/// 6 µs). The pair is never given to the engine (<see cref="UnixSocketTransport"/>).
/// </remarks>
internal static class PrivateSocketPair
{
    /// <summary>The byte that carries the peer's end.</summary>
    public const byte Tag = (byte)'P';

    private const string What = "the private socket of a link";

    /// <summary>The opener's side: creates the pair, hands one end over <paramref name="handshake"/>, closes that, and returns its own end.</summary>
    /// <exception cref="IOException">The pair could not be created or handed over.</exception>
    public static Socket HandOver(Socket handshake)
    {
        (Socket mine, Socket theirs) = SocketNative.SocketPair();
        try
        {
            using (theirs)
                DescriptorPassing.Send(handshake.SafeHandle, theirs.SafeHandle, Tag, What);
            handshake.Dispose();
            return mine;
        }
        catch
        {
            mine.Dispose();
            throw;
        }
    }

    /// <summary>The peer's side: receives its end over <paramref name="handshake"/>, closes that, and returns the end.</summary>
    /// <exception cref="ProtocolException">The opener sent something else, or closed the connection.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public static async ValueTask<Socket> TakeOverAsync(Socket handshake, CancellationToken cancellationToken)
    {
        (SafeFileHandle descriptor, byte tag) = await DescriptorPassing.ReceiveAsync(handshake, What, cancellationToken).ConfigureAwait(false);
        var own = new SafeSocketHandle(descriptor.DangerousGetHandle(), ownsHandle: true);
        descriptor.SetHandleAsInvalid();
        try
        {
            if (tag != Tag)
                throw new ProtocolException($"The other end handed over a descriptor tagged {tag} instead of {What} ({Tag}).");
            var socket = new Socket(own);
            if (socket.AddressFamily != AddressFamily.Unix || socket.SocketType != SocketType.Stream)
            {
                socket.Dispose();
                throw new ProtocolException($"The other end handed over a descriptor that is not a Unix stream socket as {What}.");
            }
            handshake.Dispose();
            return socket;
        }
        catch (Exception ex) when (ex is not ProtocolException)
        {
            own.Dispose();
            throw new ProtocolException($"The other end handed over a descriptor that is not a socket as {What}: {ex.Message}", ex);
        }
        catch
        {
            own.Dispose();
            throw;
        }
    }
}
