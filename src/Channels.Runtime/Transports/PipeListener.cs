using System.Net.Sockets;
using System.Security.Cryptography;
using Channels.Transports.UnixSocket;
using Channels.Wire;

namespace Channels.Transports;

/// <summary>
/// The private, one-shot listener of a pipe whose peer end went to a child process: a random socket name in the
/// runtime directory and a fresh key known only to the parent and the child. It accepts until one connection
/// passes the handshake, joins it to the opener, then removes its socket file.
/// </summary>
internal sealed class PipeListener : IAsyncDisposable
{
    private readonly ChannelLink _opener;
    private readonly byte[] _key;
    private readonly Socket _socket;
    private readonly string _path;
    private readonly CancellationTokenSource _stop = new();
    private Task? _acceptLoop;

    private PipeListener(ChannelLink opener, byte[] key, Socket socket, string path)
    {
        _opener = opener;
        _key = key;
        _socket = socket;
        _path = path;
    }

    /// <summary>The endpoint the child connects to.</summary>
    public string Endpoint => EndpointAddress.UnixPrefix + _path;

    /// <summary>Binds the socket and starts accepting.</summary>
    public static PipeListener Start(ChannelLink opener, byte[] key)
    {
        string directory = RuntimeDirectory.Ensure(opener.Options);
        string path = Path.Combine(directory, "pipe-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + ".sock");
        Socket socket = UnixSockets.Bind(path, "pipe of " + opener.Contract.Name);
        EndpointFileCleanup.Register(path);
        var listener = new PipeListener(opener, key, socket, path);
        listener._acceptLoop = listener.AcceptLoopAsync();
        return listener;
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                Socket accepted = await _socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
                try
                {
                    HandshakeHello remote;
                    using (var stream = new NetworkStream(accepted, ownsSocket: false))
                    {
                        remote = await Handshake.RunAsync(stream, _opener.Contract, LinkRole.Opener, _opener.Options, _key, Endpoint, _stop.Token).ConfigureAwait(false);
                    }
                    _opener.AttachTransport(await LinkTransports.AfterHandshakeAsync(accepted, LinkRole.Opener, remote, _opener.Options, _stop.Token).ConfigureAwait(false), remote);
                    // The private socket's file goes before the link starts: once messages flow, nothing of the
                    // pipe's rendezvous may be left for anyone to find.
                    StopListening();
                    _opener.Start();
                    return;
                }
                catch (Exception ex) when (ex is ChannelsException or TimeoutException or IOException or SocketException)
                {
                    // Not our child (wrong key or contract, garbage): refuse it and keep waiting for the right one.
                    accepted.Dispose();
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped: the opener was disposed or its child is gone.
        }
        finally
        {
            StopListening();
        }
    }

    private void StopListening()
    {
        _socket.Dispose();
        EndpointFileCleanup.Unregister(_path);
        UnixSockets.TryDelete(_path);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_acceptLoop is { } loop)
            await loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
