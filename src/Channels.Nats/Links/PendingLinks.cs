using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Channels.Nats.Links;

/// <summary>
/// The links whose handshake is under way over a local socket, found again by that socket when the runtime asks for
/// the transport after the handshake: the connector's end by the socket object it was handed, the listener's by the
/// abstract address its local connection was bound to (the accepted socket's remote address).
/// </summary>
internal static class PendingLinks
{
    private static readonly ConcurrentDictionary<object, NatsLink> s_links = new();

    public static void Add(object key, NatsLink link) => s_links[key] = link;

    public static void Remove(object key, NatsLink link) => s_links.TryRemove(new KeyValuePair<object, NatsLink>(key, link));

    /// <summary>The link whose handshake ran over <paramref name="socket"/>, taken out of the table; null if none.</summary>
    public static NatsLink? Take(Socket socket)
    {
        if (s_links.TryRemove(socket, out NatsLink? link))
            return link;
        string? address;
        try
        {
            address = socket.RemoteEndPoint is UnixDomainSocketEndPoint remote ? remote.ToString() : null;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return null;
        }
        return address is not null && s_links.TryRemove(address, out link) ? link : null;
    }
}
