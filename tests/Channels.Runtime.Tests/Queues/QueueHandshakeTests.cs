using System.Buffers.Binary;
using Channels.Contracts;
using Channels.TestChild.Queues;
using Xunit;
using static Channels.Runtime.Tests.Queues.QueueTestSupport;

namespace Channels.Runtime.Tests.Queues;

/// <summary>Issue 4, acceptance 5: contract checks at Open, keys, and hostile clients that end only themselves.</summary>
public sealed class QueueHandshakeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Open_with_another_item_type_fails_with_ContractMismatchException()
    {
        string name = UniqueName();
        await using var host = IWorkBoard.Definition(10).Create(name);
        var error = await Assert.ThrowsAsync<ContractMismatchException>(async () => await ILongBoard.Definition(10).OpenAsync(name));
        Assert.Equal("Channels.TestChild.Queues.IWorkBoard", error.RemoteContract);
        Assert.NotEqual(error.LocalFingerprint, error.RemoteFingerprint);
    }

    [Fact]
    public async Task Open_with_another_capacity_fails_with_ContractMismatchException()
    {
        string name = UniqueName();
        await using var host = IWorkBoard.Definition(10).Create(name);
        await Assert.ThrowsAsync<ContractMismatchException>(async () => await IWorkBoard.Definition(11).OpenAsync(name));
        Assert.Throws<ContractMismatchException>(() => IWorkBoard.Definition(11).Open(name));
        await using var right = await IWorkBoard.Definition(10).OpenAsync(name);
        right.Items.Put(new WorkItem(0, 1), Wait);
        Assert.Equal(1, host.Items.Get(Wait).Sequence);
    }

    [Fact]
    public async Task A_wrong_key_is_refused_and_the_host_keeps_serving()
    {
        string name = UniqueName();
        await using var host = ISeedBoard.Definition.Create(name);
        var (endpoint, _) = Ticket(host);
        var wrong = new ChannelOptions { Key = new byte[32] };
        await Assert.ThrowsAsync<AuthenticationFailedException>(async () => await ISeedBoard.Definition.OpenAsync(endpoint, wrong));
        await Assert.ThrowsAsync<AuthenticationFailedException>(async () => await ISeedBoard.Definition.OpenAsync(name, wrong));
        await Assert.ThrowsAsync<AuthenticationFailedException>(async () => await ISeedBoard.Definition.OpenAsync(endpoint));
        await using var client = await ISeedBoard.Definition.OpenAsync(name);
        client.Values.Put(0.25, Wait);
        Assert.Equal(0.25, host.Values.Get(Wait));
    }

    public static TheoryData<string, byte[]> MalformedFrames => new()
    {
        { "length over the maximum", Frame(0, 16, new byte[0], lengthOverride: 64 * 1024 * 1024) },
        { "length under the header", Frame(0, 16, new byte[0], lengthOverride: 1) },
        { "unknown lane", Frame(9, 19, Ints(1, 0)) },
        { "unknown kind", Frame(0, 200, Ints(1)) },
        { "credit without payload", Frame(0, 19, new byte[0]) },
        { "negative credit", Frame(0, 19, Ints(-5, 0)) },
        { "took more than delivered", Frame(0, 20, Ints(1000)) },
        { "more done than got", Frame(0, 21, Ints(5)) },
        { "put without room", Frame(0, 16, new byte[12]) },
        { "item of the wrong size", Frame(1, 16, new byte[5]) },
        { "room returned that was never granted", Frame(0, 18, Ints(3)) },
    };

    [Theory]
    [MemberData(nameof(MalformedFrames))]
    public async Task A_malformed_frame_ends_only_the_client_that_sent_it_and_its_items_go_to_another(string what, byte[] frame)
    {
        string name = UniqueName();
        await using var host = IWorkBoard.Definition(10).Create(name);
        await using var good = await IWorkBoard.Definition(10).OpenAsync(name);
        var bad = await IWorkBoard.Definition(10).OpenAsync(name);
        try
        {
            host.Items.Put(new WorkItem(0, 0));
            Assert.Equal(0, bad.Items.Get(Wait).Sequence);
            await Task.Delay(100);

            ((ClientQueueSession)((IQueueEndpoint)bad).Session).SendRaw(frame);

            // The host drops the bad client, which then sees its connection gone; the item it held comes back.
            var redelivered = good.Items.Get(Wait);
            Assert.Equal(0, redelivered.Sequence);
            await Assert.ThrowsAsync<PeerLostException>(async () =>
            {
                for (int i = 0; i < 100; i++)
                {
                    await bad.Items.GetAsync(TimeSpan.FromMilliseconds(50)).AsTask().ContinueWith(_ => { });
                }
                await bad.Items.GetAsync(TimeSpan.FromMilliseconds(50));
            });

            good.Items.TaskDone();
            await using var third = await IWorkBoard.Definition(10).OpenAsync(name);
            third.Items.Put(new WorkItem(1, 1), Wait);
            Assert.Equal(1, good.Items.Get(Wait).Sequence);
            good.Items.TaskDone();
            await host.Items.JoinAsync().AsTask().WaitAsync(Wait);
            Assert.Equal(0, host.Items.Count);
            Assert.False(string.IsNullOrEmpty(what));
        }
        finally
        {
            await bad.DisposeAsync();
        }
    }

    [Fact]
    public async Task Garbage_instead_of_a_handshake_is_dropped_and_the_host_keeps_serving()
    {
        string name = UniqueName();
        await using var host = ISeedBoard.Definition.Create(name);
        var (endpoint, _) = Ticket(host);
        using (var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified))
        {
            await socket.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(endpoint["unix:".Length..]));
            await socket.SendAsync(new byte[4096]);
            var buffer = new byte[4096];
            // The host answers with its own hello, then closes on the garbage.
            using var cts = new CancellationTokenSource(Wait);
            try
            {
                while (await socket.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None, cts.Token) > 0) { }
            }
            catch (System.Net.Sockets.SocketException)
            {
                // A reset is as good as a close: the host dropped the connection.
            }
        }
        await using var client = await ISeedBoard.Definition.OpenAsync(name);
        client.Values.Put(0.5, Wait);
        Assert.Equal(0.5, host.Values.Get(Wait));
    }

    private static byte[] Ints(params int[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    private static byte[] Frame(int lane, byte kind, byte[] payload, int? lengthOverride = null)
    {
        var frame = new byte[7 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(lengthOverride ?? payload.Length + 3));
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(4), (ushort)lane);
        frame[6] = kind;
        payload.CopyTo(frame, 7);
        return frame;
    }
}
