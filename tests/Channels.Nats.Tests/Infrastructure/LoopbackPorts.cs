using System.Net;
using System.Net.Sockets;

namespace Channels.Nats.Tests.Infrastructure;

/// <summary>
/// Hands out loopback ports for test servers from below the kernel's ephemeral range. A port the kernel picked for a
/// probe listener is free only until the next outgoing connection takes it as its local port, and a cluster's nodes
/// dial each other's routes while their neighbours are still starting: a node then fails with "address already in
/// use". Ports under the ephemeral range are never picked for outgoing connections, and a counter keeps two tests of
/// this host from choosing the same one.
/// </summary>
public static class LoopbackPorts
{
    private const int Lowest = 10_000;
    private static readonly int s_end = EphemeralRangeStart();
    private static int s_next = Lowest + Random.Shared.Next(Math.Max(1, (s_end - Lowest) / 2));

    /// <summary>A loopback TCP port nobody listens on, outside the ephemeral range when the range leaves room.</summary>
    public static int Next()
    {
        if (s_end - Lowest < 1_000)
            return KernelPicked();
        for (int attempt = 0; attempt < 1_000; attempt++)
        {
            int port = Lowest + (Interlocked.Increment(ref s_next) - Lowest) % (s_end - Lowest);
            if (IsFree(port))
                return port;
        }
        return KernelPicked();
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int KernelPicked()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static int EphemeralRangeStart()
    {
        try
        {
            string[] range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32_768;
        }
    }
}
