using System.Net.Sockets;

namespace Channels.Benchmarks.SideBySide;

/// <summary>The listen-once and connect steps shared by the socket-based systems.</summary>
public static class UnixSockets
{
    /// <summary>Listens at <paramref name="socketPath"/>; the returned function accepts one connection, wraps it, and removes the socket file.</summary>
    public static Func<CancellationToken, Task<IPairSender>> ListenOnce(string socketPath, Func<Socket, IPairSender> wrap)
    {
        File.Delete(socketPath);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            listener.Listen(1);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        return async token =>
        {
            try
            {
                Socket socket = await listener.AcceptAsync(token).ConfigureAwait(false);
                return wrap(socket);
            }
            finally
            {
                listener.Dispose();
                File.Delete(socketPath);
            }
        };
    }

    /// <summary>Connects to the socket at <paramref name="socketPath"/>.</summary>
    public static async Task<Socket> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
