using System.Net.Sockets;

namespace Channels.Transports;

/// <summary>Binding and connecting Unix domain stream sockets, with the file hygiene endpoints need.</summary>
internal static class UnixSockets
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Binds a listening socket at <paramref name="path"/> with mode 0600. A socket file left by a dead listener
    /// (nobody accepts on it) is replaced; a live one makes this throw.
    /// </summary>
    /// <exception cref="IOException">Another listener is alive at the path, or the path is not a socket.</exception>
    public static Socket Bind(string path, string endpoint)
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
            socket.Listen(512);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Connects to the socket at <paramref name="path"/>.</summary>
    public static async ValueTask<Socket> ConnectAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            return socket;
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
