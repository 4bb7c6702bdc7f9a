using System.Net.Sockets;

namespace Channels.Transports;

/// <summary>Binding and connecting Unix domain stream sockets, with the file hygiene endpoints need.</summary>
internal static class UnixSockets
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>How many connections the kernel queues before they are accepted.</summary>
    public const int Backlog = 512;

    /// <summary>Binds a socket at <paramref name="path"/> (see <see cref="BindWithoutListening"/>) and starts listening.</summary>
    /// <exception cref="IOException">Another listener is alive at the path, or the path is not a socket.</exception>
    public static Socket Bind(string path, string endpoint)
    {
        Socket socket = BindWithoutListening(path, endpoint);
        try
        {
            Listen(socket);
            return socket;
        }
        catch
        {
            socket.Dispose();
            TryDelete(path);
            throw;
        }
    }

    /// <summary>
    /// Binds a socket at <paramref name="path"/> with mode 0600, not yet listening (<see cref="Listen"/>), so that
    /// connectors are refused until the caller is ready. A socket file left by a dead listener (nobody accepts on
    /// it) is replaced; a live one makes this throw and is left alone.
    /// </summary>
    /// <exception cref="IOException">Another listener is alive at the path, or the path is not a socket.</exception>
    public static Socket BindWithoutListening(string path, string endpoint)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("Channels endpoints use Unix domain sockets and Unix file modes.");
        if (File.Exists(path) || Directory.Exists(path))
        {
            if ((File.GetAttributes(path) & FileAttributes.Directory) != 0)
                throw new IOException($"Endpoint '{endpoint}': '{path}' is a directory, not a socket.");
            if (IsAlive(path))
                throw new IOException($"Endpoint '{endpoint}' is in use: a listener is accepting at '{path}'.");
            File.Delete(path);
        }
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, OwnerReadWrite);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Starts accepting on a socket made by <see cref="Bind"/>.</summary>
    public static void Listen(Socket socket) => socket.Listen(Backlog);

    /// <summary>Connects to the socket of <paramref name="address"/>.</summary>
    /// <exception cref="EndpointNotFoundException">No socket file, or a stale one whose listener has gone (connection refused).</exception>
    /// <exception cref="IOException">Any other failure to connect, naming the endpoint.</exception>
    public static async ValueTask<Socket> ConnectAsync(EndpointAddress address, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(address.SocketPath), cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            if (!File.Exists(address.SocketPath))
                throw EndpointNotFoundException.NoListener(address);
            if (ex.SocketErrorCode == SocketError.ConnectionRefused)
                throw EndpointNotFoundException.Stale(address, ex);
            throw new IOException($"Cannot connect to endpoint '{address.Display}' at '{address.SocketPath}': {ex.Message}.", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Deletes a file, ignoring one that is already gone.</summary>
    public static void TryDelete(string? path)
    {
        if (path is null)
            return;
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: a file that cannot be removed is replaced by the next listener as stale.
        }
    }

    private static bool IsAlive(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
