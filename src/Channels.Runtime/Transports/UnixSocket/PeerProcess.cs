using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;

namespace Channels.Transports.UnixSocket;

/// <summary>
/// The process at the other end of a Unix socket, as the kernel names it (<c>SO_PEERCRED</c>), and whether it has
/// ended: a link tells a peer killed in the middle of a send from a live one that broke the protocol by it.
/// </summary>
internal static class PeerProcess
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    /// <summary>The process id the kernel recorded for the other end of <paramref name="socket"/> at connect time, or null.</summary>
    public static int? IdOf(Socket socket)
    {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        Span<byte> credentials = stackalloc byte[12];
        try
        {
            int length = socket.GetRawSocketOption(SolSocket, SoPeerCred, credentials);
            int pid = length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(credentials) : 0;
            return pid > 0 ? pid : null;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or PlatformNotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether process <paramref name="pid"/> has ended: gone from <c>/proc</c>, or a zombie waiting for its parent (a
    /// process that is not this one's child is reaped by someone else, and may stay a zombie for a while).
    /// </summary>
    public static bool HasEnded(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat");
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return true;
        }
        // "pid (comm) S ...": the state follows the last parenthesis, whatever the command name holds.
        int close = stat.LastIndexOf(')');
        if (close < 0 || close + 2 >= stat.Length)
            return false;
        char state = stat[close + 2];
        return state is 'Z' or 'X' or 'x';
    }
}
