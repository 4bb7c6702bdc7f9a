using System.Diagnostics;
using System.Net.Sockets;
using Channels.Runtime.Tests.Infrastructure;
using Channels.Runtime.Tests.Processes;
using Channels.TestChild.Contracts;
using Channels.Transports.SharedMemory;
using Channels.Wire;
using Xunit;

namespace Channels.Runtime.Tests.Hardening;

/// <summary>
/// Issue 11 with shared memory on by default: a listener whose clients give up at every step of a shared-memory
/// handshake (before the challenge, after it, after authentication but before taking the segment, after taking it
/// without ever starting, and after a whole link) is left with the sockets it had and no segment, at once and not
/// after some garbage collection; nothing appears in the runtime directory or /dev/shm.
/// </summary>
[Collection(nameof(ProcessTestsCollection))]
public sealed class SharedMemoryAbortTests : IDisposable
{
    private const int Rounds = 20;
    private const string SegmentName = "/memfd:channels-link";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestRuntimeDirectory _directory = new() { SharedMemory = true };

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AListenerKeepsNoSocketOrSegmentOfHandshakesAbortedAtEachStep()
    {
        string[] shmBefore = Directory.GetFiles("/dev/shm");
        await using Child host = Child.Start(_directory, "hold-listener", ["abort"]);
        await host.WaitForLineAsync("listening", Patience);
        int pid = host.Process.Id;
        string endpoint = "unix:" + Path.Combine(_directory.Path, "abort.sock");
        byte[] key = File.ReadAllBytes(Path.Combine(_directory.Path, "abort.key"));
        int sockets = Signals.OpenFileDescriptorsTo(pid, "socket:");
        Assert.Equal(0, Signals.OpenFileDescriptorsTo(pid, SegmentName));

        for (int round = 0; round < Rounds; round++)
        {
            using (await RawClient.ConnectAsync(endpoint))
            {
                // Gone before the listener's challenge.
            }
            using (RawClient client = await RawClient.ConnectAsync(endpoint))
            {
                byte[] challenge = new byte[HandshakeHello.ChallengeSize];
                await client.Socket.ReceiveAsync(challenge, SocketFlags.None).WaitAsync(Patience);
            }
            using (RawClient client = await RawClient.ConnectAsync(endpoint))
            {
                // Authenticated and offered shared memory, then gone without taking the segment.
                await client.HandshakeAsync(ISimple.Definition.Descriptor, key, offerSharedMemory: true).WaitAsync(Patience);
            }
            RawClient taker = await RawClient.ConnectAsync(endpoint);
            await taker.HandshakeAsync(ISimple.Definition.Descriptor, key, offerSharedMemory: true).WaitAsync(Patience);
            // Takes the segment, then closes without starting: the link of a peer that was disposed at once.
            SharedMemoryTransport taken = await SharedMemoryTransport.AcceptAsync(taker.Socket, SharedMemoryWait.SpinThenPark, CancellationToken.None).AsTask().WaitAsync(Patience);
            taken.Close();
            taker.Dispose();
            await using (ISimple.Peer peer = await ISimple.Peer.ConnectAsync("abort", _directory.Options()).AsTask().WaitAsync(Patience))
            {
                await peer.Echoes.WriteAsync(round);
                Assert.Equal(round, await peer.Numbers.ReadAsync().AsTask().WaitAsync(Patience));
            }
        }

        // Each aborted handshake and link ends on its own (closed socket, failed handover, link end), so the count
        // comes back as soon as the listener has seen the last of them.
        var waited = Stopwatch.StartNew();
        while ((Signals.OpenFileDescriptorsTo(pid, "socket:") > sockets || Signals.OpenFileDescriptorsTo(pid, SegmentName) > 0) && waited.Elapsed < Patience)
            await Task.Delay(50);
        Assert.True(Signals.OpenFileDescriptorsTo(pid, SegmentName) == 0 && Signals.OpenFileDescriptorsTo(pid, "socket:") <= sockets,
            $"the listener holds {Signals.DescribeOpenFileDescriptors(pid)}; it held {sockets} sockets and no segment before");
        Assert.False(host.Process.HasExited, host.StandardError);
        Assert.Equal(["abort.key", "abort.sock"], _directory.LeftoverFiles().Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(shmBefore.Order(StringComparer.Ordinal), Directory.GetFiles("/dev/shm").Order(StringComparer.Ordinal));
    }
}
