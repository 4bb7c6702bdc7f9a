using System.Diagnostics;
using System.Net.Sockets;
using Channels.Runtime.Tests.Infrastructure;
using Channels.Runtime.Tests.Processes;
using Channels.TestChild.Contracts;
using Xunit;

namespace Channels.Runtime.Tests.Hardening;

/// <summary>
/// Issue 15, point 2 and acceptance 2: 20,000 connections that never finish the handshake against a listener whose
/// process may open only 1,024 files. The listener survives, accepts a real peer within a second after the flood,
/// and its descriptor count returns to where it was.
/// </summary>
[Collection(nameof(ProcessTestsCollection))]
public sealed class FloodTests : IDisposable
{
    private const int Connections = 20_000;
    private const int HeldAtOnce = 2_000; // the flooding side's own descriptors: a rolling window of open connections
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TestRuntimeDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(128)]    // the default cap: the listener never comes near its limit
    [InlineData(5_000)]  // a cap above the descriptor limit: the listener holds itself to an eighth of that limit
    public async Task TwentyThousandHalfOpenConnectionsWithADescriptorLimitOf1024(int maxPendingHandshakes)
    {
        await using Child host = Child.Start(_directory, "hold-listener", ["flood", "2000", maxPendingHandshakes.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            launcher: ["prlimit", "--nofile=1024:1024"]);
        await host.WaitForLineAsync("listening", Patience);
        int pid = host.Process.Id;
        Assert.Contains("Max open files            1024", File.ReadAllText($"/proc/{pid}/limits"));
        string socketPath = Path.Combine(_directory.Path, "flood.sock");
        // Warm up: the runtime's lazily opened descriptors are counted in the baseline. The accept loop starts each
        // handshake up to its first wait before it accepts the next connection, so the refusal is done when the
        // echo's link is accepted; the echo waits as long as that takes (seconds on a loaded machine).
        await RefuseAConnectionItsClientClosedAsync(pid, socketPath);
        await EchoOnceAsync(handshakeTimeout: Patience);
        int baseline = await SettledDescriptorsAsync(pid, int.MaxValue);
        string before = Signals.DescribeOpenFileDescriptors(pid);

        var held = new Queue<Socket>(HeldAtOnce);
        int connected = 0;
        try
        {
            while (connected < Connections)
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath)).WaitAsync(Patience);
                }
                catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TryAgain or SocketError.WouldBlock)
                {
                    // The listener's backlog is full for a moment: try again.
                    socket.Dispose();
                    await Task.Delay(1);
                    continue;
                }
                catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
                {
                    socket.Dispose();
                    Assert.Fail($"the listener refused connection {connected} (exited: {host.Process.HasExited}): {host.StandardError}");
                }
                connected++;
                held.Enqueue(socket);
                if (held.Count == HeldAtOnce)
                    held.Dequeue().Dispose();
            }
        }
        finally
        {
            while (held.TryDequeue(out Socket? socket))
                socket.Dispose();
        }

        Assert.False(host.Process.HasExited, "the listener died in the flood: " + host.StandardError);
        var stopwatch = Stopwatch.StartNew();
        await EchoOnceAsync().WaitAsync(TimeSpan.FromSeconds(1));
        stopwatch.Stop();
        int after = await SettledDescriptorsAsync(pid, baseline);

        Assert.True(after <= baseline, $"the listener holds {after} descriptors after the flood ({Signals.DescribeOpenFileDescriptors(pid)}); {baseline} before ({before})");
        Assert.False(host.Process.HasExited);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"a real peer took {stopwatch.Elapsed} after the flood");
    }

    // A connection whose client closed before the listener took it from the backlog (what a flood on a busy
    // machine leaves behind) fails the handshake's first write at once. .NET then formats that SocketException's
    // stack trace with file and line (Socket.SendAsync gives a synchronous failure the caller's stack), which loads
    // System.Diagnostics.StackTrace, System.Reflection.Metadata and System.Collections.Immutable (two descriptors
    // each) and keeps Channels.Runtime.pdb open: 7 descriptors once per process, never per connection. A flood that
    // took this path after the baseline made the listener seem to keep 7 descriptors when the machine was loaded.
    // The listener is stopped while the client connects and closes, so that it takes this path here for certain.
    private static async Task RefuseAConnectionItsClientClosedAsync(int pid, string socketPath)
    {
        Signals.Send(pid, Signals.Stop);
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath)).WaitAsync(Patience);
        }
        finally
        {
            Signals.Send(pid, Signals.Continue);
        }
    }

    private async Task EchoOnceAsync(TimeSpan? handshakeTimeout = null)
    {
        await using ISimple.Peer peer = await ISimple.Peer.ConnectAsync("flood", _directory.Options(handshakeTimeout: handshakeTimeout));
        await peer.Echoes.WriteAsync(5);
        Assert.Equal(5, await peer.Numbers.ReadAsync());
    }

    // Waits until the count stops changing (or reaches target), for up to the handshake timeout and some.
    private static async Task<int> SettledDescriptorsAsync(int pid, int target)
    {
        int last = Signals.OpenFileDescriptors(pid);
        int stable = 0;
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(200);
            int now = Signals.OpenFileDescriptors(pid);
            stable = now == last ? stable + 1 : 0;
            last = now;
            if (now <= target && stable >= 3)
                break;
        }
        return last;
    }
}
