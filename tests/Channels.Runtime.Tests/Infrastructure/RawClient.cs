using System.Net.Sockets;
using Channels.Wire;

namespace Channels.Runtime.Tests.Infrastructure;

/// <summary>A hand-driven client that speaks (or breaks) the protocol, for hostile-input tests.</summary>
public sealed class RawClient : IDisposable
{
    private RawClient(Socket socket) => Socket = socket;

    /// <summary>The connection's socket; after a handshake without shared memory, the link's private socket.</summary>
    public Socket Socket { get; private set; }

    public static async Task<RawClient> ConnectAsync(string endpointUri)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(endpointUri.Substring("unix:".Length)));
        return new RawClient(socket);
    }

    /// <summary>
    /// Runs a genuine handshake as the peer, so that what follows reaches the frame parser: the opener then hands over
    /// the link's private socket, which becomes <see cref="Socket"/>. With <paramref name="offerSharedMemory"/>, an
    /// opener that offers it too hands over a segment instead, which this client may take or leave.
    /// </summary>
    internal async Task HandshakeAsync(Channels.Contracts.ContractDescriptor contract, byte[] key, bool offerSharedMemory = false)
    {
        HandshakeHello remote;
        using (var stream = new NetworkStream(Socket, ownsSocket: false))
        {
            // Raw frames follow unless the test asks for the segment: by default, offer no shared memory.
            var options = new ChannelOptions { HandshakeTimeout = TimeSpan.FromSeconds(5), UseSharedMemory = offerSharedMemory };
            remote = await Handshake.RunAsync(stream, contract, LinkRole.Peer, options, key, "raw", CancellationToken.None);
        }
        if (!(offerSharedMemory && remote.OffersSharedMemory))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            Socket = await Channels.Transports.UnixSocket.PrivateSocketPair.TakeOverAsync(Socket, timeout.Token);
        }
    }

    public async Task SendAsync(byte[] bytes)
    {
        int sent = 0;
        while (sent < bytes.Length)
            sent += await Socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
    }

    /// <summary>Reads until the other side closes; true if it did within the timeout.</summary>
    public async Task<bool> WaitForCloseAsync(TimeSpan timeout)
    {
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await Socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0)
            {
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    public void Dispose() => Socket.Dispose();
}
