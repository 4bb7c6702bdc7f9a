using System.Diagnostics;
using System.Net.Sockets;
using Channels.Transports.UnixSocket;
using Xunit;

namespace Channels.Runtime.Tests.Transports;

/// <summary>The kernel's name for the process at the other end of a Unix socket, and whether that process has ended.</summary>
public sealed class PeerProcessTests
{
    [Fact]
    public void BothEndsOfASocketPairInThisProcessNameThisProcessAsThePeer()
    {
        (Socket first, Socket second) = SocketNative.SocketPair();
        using (first)
        using (second)
        {
            Assert.Equal(Environment.ProcessId, PeerProcess.IdOf(first));
            Assert.Equal(Environment.ProcessId, PeerProcess.IdOf(second));
        }
    }

    [Fact]
    public async Task ALiveProcessHasNotEndedAndAFinishedOneHas()
    {
        Assert.False(PeerProcess.HasEnded(Environment.ProcessId));
        using Process finished = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        int pid = finished.Id;
        await finished.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(PeerProcess.HasEnded(pid));
        Assert.True(PeerProcess.HasEnded(int.MaxValue));
    }

    [Fact]
    public void AClosedSocketHasNoPeer()
    {
        (Socket first, Socket second) = SocketNative.SocketPair();
        second.Dispose();
        first.Dispose();
        Assert.Null(PeerProcess.IdOf(first));
    }
}
