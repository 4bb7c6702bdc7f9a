using Channels.Queues;
using Channels.TestChild.Queues;
using Xunit;
using static Channels.Runtime.Tests.Queues.QueueTestSupport;

namespace Channels.Runtime.Tests.Queues;

/// <summary>Contract checks at Open, keys, and hostile input from a host or a connecting process.</summary>
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

    public static TheoryData<string, byte[]> MalformedWelcomes => new()
    {
        { "empty", [] },
        { "header cut short", [1, 0, 0, 0, 1] },
        { "more segments than bytes", [1, 0, 0, 0, 0xFF, 0xFF, 1, 0] },
        { "path length past the end", [1, 0, 0, 0, 1, 0, 0xFF, 0x0F, (byte)'/'] },
        { "empty path", [1, 0, 0, 0, 1, 0, 0, 0] },
        { "relative path", [1, 0, 0, 0, 1, 0, 1, 0, (byte)'x'] },
        { "not UTF-8", [1, 0, 0, 0, 1, 0, 2, 0, (byte)'/', 0xFF] },
        { "bytes after the last path", [1, 0, 0, 0, 1, 0, 1, 0, (byte)'/', 7] },
    };

    [Theory]
    [MemberData(nameof(MalformedWelcomes))]
    public void A_malformed_welcome_is_a_ProtocolException_before_anything_is_allocated_from_it(string what, byte[] payload)
    {
        var error = Assert.Throws<ProtocolException>(() => QueueWelcomeCodec.Instance.Decode(new System.Buffers.ReadOnlySequence<byte>(payload)));
        Assert.Contains("welcome", error.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Fact]
    public void A_welcome_round_trips()
    {
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        QueueWelcomeCodec.Instance.Encode(writer, new QueueWelcome(7, ["/run/a.shm", "/run/ü.shm"]));
        var back = QueueWelcomeCodec.Instance.Decode(new System.Buffers.ReadOnlySequence<byte>(writer.WrittenMemory));
        Assert.Equal(7, back.Slot);
        Assert.Equal(["/run/a.shm", "/run/ü.shm"], back.Segments);
    }

    [Fact]
    public async Task Opening_a_member_with_a_forged_segment_fails_with_ProtocolException_naming_the_file()
    {
        string name = UniqueName();
        await using var host = IWorkBoard.Definition(10).Create(name);
        string forged = Path.Combine(Path.GetTempPath(), UniqueName() + ".shm");
        await File.WriteAllBytesAsync(forged, new byte[16384]);
        try
        {
            var error = Assert.Throws<ProtocolException>(() => Channels.Queues.SharedQueueEngine.OpenMember(forged, 1, "IWorkBoard.Items", 10, false, 0));
            Assert.Contains(forged, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(forged);
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
}
