using System.Net.Sockets;
using Channels.Transports;
using Channels.Transports.UnixSocket;
using Microsoft.Win32.SafeHandles;
using Xunit;

namespace Channels.Runtime.Tests.Transports;

/// <summary>
/// The private socket pair a Unix socket link moves to after its handshake: what the peer accepts as its end, and
/// what it refuses with a clear error instead of hanging or adopting something else.
/// </summary>
public sealed class PrivateSocketPairTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ThePeerTakesOverTheEndTheOpenerHandsItAndTheHandshakeSocketsAreClosed()
    {
        (Socket opener, Socket peer) = Connected();
        Socket mine = PrivateSocketPair.HandOver(opener);
        Socket theirs = await PrivateSocketPair.TakeOverAsync(peer, CancellationToken.None).AsTask().WaitAsync(Timeout);
        using (mine)
        using (theirs)
        {
            Assert.Throws<ObjectDisposedException>(() => opener.Available);
            Assert.Throws<ObjectDisposedException>(() => peer.Available);
            mine.Send("ping"u8);
            theirs.Send("pong"u8);
            byte[] buffer = new byte[4];
            Assert.Equal(4, theirs.Receive(buffer));
            Assert.Equal("ping"u8.ToArray(), buffer);
            Assert.Equal(4, mine.Receive(buffer));
            Assert.Equal("pong"u8.ToArray(), buffer);
        }
    }

    [Fact]
    public async Task ABytePlainlySentInsteadOfTheEndIsAProtocolError()
    {
        (Socket opener, Socket peer) = Connected();
        using (opener)
        {
            opener.Send(new[] { PrivateSocketPair.Tag });
            var error = await Assert.ThrowsAsync<ProtocolException>(() => PrivateSocketPair.TakeOverAsync(peer, CancellationToken.None).AsTask().WaitAsync(Timeout));
            Assert.Contains("without the descriptor", error.Message);
        }
        peer.Dispose();
    }

    [Fact]
    public async Task AnOpenerThatClosesInsteadOfHandingOverIsAProtocolError()
    {
        (Socket opener, Socket peer) = Connected();
        opener.Dispose();
        var error = await Assert.ThrowsAsync<ProtocolException>(() => PrivateSocketPair.TakeOverAsync(peer, CancellationToken.None).AsTask().WaitAsync(Timeout));
        Assert.Contains("closed the connection", error.Message);
        peer.Dispose();
    }

    [Fact]
    public async Task AFileHandedOverInsteadOfASocketIsRefusedAndClosed()
    {
        (Socket opener, Socket peer) = Connected();
        string path = Path.GetTempFileName();
        try
        {
            using (opener)
            using (SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite))
            {
                DescriptorPassing.Send(opener.SafeHandle, file, PrivateSocketPair.Tag, "a test file");
                var error = await Assert.ThrowsAsync<ProtocolException>(() => PrivateSocketPair.TakeOverAsync(peer, CancellationToken.None).AsTask().WaitAsync(Timeout));
                Assert.Contains("descriptor that is not", error.Message);
            }
            Assert.DoesNotContain(Directory.GetFiles("/proc/self/fd"), fd => SafeLinkTarget(fd) == path);
        }
        finally
        {
            File.Delete(path);
            peer.Dispose();
        }
    }

    [Fact]
    public async Task ADescriptorWithAnotherTagIsRefused()
    {
        (Socket opener, Socket peer) = Connected();
        (Socket first, Socket second) = Connected();
        using (opener)
        using (first)
        using (second)
        {
            DescriptorPassing.Send(opener.SafeHandle, first.SafeHandle, 1, "a test socket");
            var error = await Assert.ThrowsAsync<ProtocolException>(() => PrivateSocketPair.TakeOverAsync(peer, CancellationToken.None).AsTask().WaitAsync(Timeout));
            Assert.Contains("tagged 1", error.Message);
        }
        peer.Dispose();
    }

    [Fact]
    public async Task ADatagramSocketHandedOverIsRefused()
    {
        (Socket opener, Socket peer) = Connected();
        using (opener)
        using (var datagram = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified))
        {
            DescriptorPassing.Send(opener.SafeHandle, datagram.SafeHandle, PrivateSocketPair.Tag, "a test socket");
            var error = await Assert.ThrowsAsync<ProtocolException>(() => PrivateSocketPair.TakeOverAsync(peer, CancellationToken.None).AsTask().WaitAsync(Timeout));
            Assert.Contains("not a Unix stream socket", error.Message);
        }
        peer.Dispose();
    }

    [Fact]
    public async Task AnOpenerThatSendsNothingLeavesThePeerToItsTimeout()
    {
        (Socket opener, Socket peer) = Connected();
        using (opener)
        using (peer)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PrivateSocketPair.TakeOverAsync(peer, timeout.Token).AsTask().WaitAsync(Timeout));
        }
    }

    private static (Socket First, Socket Second) Connected() => SocketNative.SocketPair();

    private static string? SafeLinkTarget(string fd)
    {
        try
        {
            return new FileInfo(fd).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
