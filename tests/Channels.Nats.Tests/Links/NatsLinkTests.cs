using System.Threading.Channels;
using Channels.Nats.Peer;
using Channels.Nats.Tests.Infrastructure;

namespace Channels.Nats.Tests.Links;

/// <summary>The link conformance points over NATS, between this process and a peer process (issue 12, point 1).</summary>
public sealed class NatsLinkTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    private string Endpoint(string name) => $"{fixture.Server.Url}/{name}";

    private static ChannelOptions Options(byte[] key, int? window = 1024) => window is { } messages
        ? new() { Key = key, LaneWindowMessages = messages, PeerTimeout = TimeSpan.FromSeconds(3) }
        : new() { Key = key, PeerTimeout = TimeSpan.FromSeconds(3) };

    [Fact]
    public async Task Messages_arrive_in_order_and_completion_ends_the_remote_reader()
    {
        await using var session = await LinkSession.StartAsync(Endpoint(TestKeys.NewName("order")), 1024, "echo");
        INatsWorker link = session.Link;
        PeerProcess peer = session.Peer;

        const int Count = 20_000;
        Task writing = Task.Run(async () =>
        {
            for (int i = 0; i < Count; i++)
                await link.Jobs.WriteAsync(new NatsJob(i, "job"));
            link.Jobs.Complete();
        });
        int expected = 0;
        await foreach (NatsJob answer in link.Results.ReadAllAsync())
        {
            Assert.Equal(expected, answer.Id);
            Assert.Equal("job!", answer.Text);
            expected++;
        }
        await writing;
        Assert.Equal(Count, expected);
        Assert.Equal(0, await peer.WaitForExitAsync(s_wait));
    }

    [Fact]
    public async Task A_fault_reaches_the_remote_reader_as_RemoteException()
    {
        await using var session = await LinkSession.StartAsync(Endpoint(TestKeys.NewName("fault")), 1024, "echo");
        INatsWorker link = session.Link;
        PeerProcess peer = session.Peer;

        await link.Jobs.WriteAsync(new NatsJob(1, "a"));
        await link.Jobs.WriteAsync(new NatsJob(2, "fault"));
        Assert.Equal(1, (await link.Results.ReadAsync()).Id);
        var closed = await Assert.ThrowsAsync<ChannelClosedException>(async () => await link.Results.ReadAsync());
        var remote = Assert.IsType<RemoteException>(closed.InnerException);
        Assert.Contains("peer refused job 2", remote.Message);
        Assert.Equal(0, await peer.WaitForExitAsync(s_wait));
    }

    [Fact]
    public async Task A_writer_whose_remote_reader_does_not_read_stops_at_the_window()
    {
        const int Window = 16;
        await using var session = await LinkSession.StartAsync(Endpoint(TestKeys.NewName("credit")), Window, "slow-echo", "5000");
        INatsWorker link = session.Link;
        PeerProcess peer = session.Peer;

        int written = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        while (DateTime.UtcNow < deadline && written < 10 * Window)
        {
            if (link.Jobs.TryWrite(new NatsJob(written, new string('x', 1000))))
                written++;
            else
                await Task.Delay(10);
        }
        // The peer's window (plus the one job it holds and this side's coalescing) bounds what left this process:
        // memory stays bounded however fast this side writes.
        Assert.InRange(written, Window, 2 * Window + 2);
        ValueTask blocked = link.Jobs.WriteAsync(new NatsJob(-1, "late"));
        await Task.Delay(500);
        Assert.False(blocked.IsCompleted, "WriteAsync must wait while the remote window is full.");
        peer.Kill();
    }

    // Writes jobs with TryWrite, waiting whenever the remote window is full, for 10 s or until limit are written; returns how many.
    private static async Task<int> WriteUntilHeldAsync(ChannelWriter<NatsJob> jobs, string text, int limit)
    {
        int written = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline && written < limit)
        {
            if (jobs.TryWrite(new NatsJob(written, text)))
                written++;
            else
                await Task.Delay(10);
        }
        return written;
    }

    [Fact]
    public async Task A_link_whose_window_is_not_set_announces_the_wider_NATS_default()
    {
        // The peer reads this side's jobs and leaves ChannelOptions.LaneWindowMessages unset: it announces
        // NatsTransportOptions.LaneWindowMessages, past ChannelOptions' own default, so that a busy link is not held to
        // one local-sized window per credit round trip through the server. With the local default the writer would
        // stop below the lower bound checked at the end.
        int window = NatsTransportOptions.Default.LaneWindowMessages;
        Assert.True(window > new ChannelOptions().LaneWindowMessages + 2);
        await using var session = await LinkSession.StartAsync(Endpoint(TestKeys.NewName("nats-window")), window: null, "slow-echo", "5000");
        INatsWorker link = session.Link;

        int written = await WriteUntilHeldAsync(link.Jobs, "x", 3 * window);
        // Still bounded: the writer stops at the announced window (plus the job the peer holds and the coalescing).
        Assert.InRange(written, window, 2 * window + 2);
        session.Peer.Kill();
    }

    [Fact]
    public async Task A_link_whose_byte_window_is_not_set_announces_the_NATS_default_in_bytes()
    {
        // Large jobs: the byte window binds long before the message window. The peer leaves
        // ChannelOptions.LaneWindowBytes unset and announces NatsTransportOptions.LaneWindowBytes (16 MiB), sixteen
        // times the local 1 MiB; the writer stops between that window and twice it, never at the local one.
        int windowBytes = NatsTransportOptions.Default.LaneWindowBytes;
        Assert.True(windowBytes >= 8 * new ChannelOptions().LaneWindowBytes);
        await using var session = await LinkSession.StartAsync(Endpoint(TestKeys.NewName("nats-window-bytes")), window: null, "slow-echo", "5000");
        INatsWorker link = session.Link;

        string text = new('b', 16 * 1024);
        // Each job encodes to a little more than its text: this many certainly fit.
        int window = windowBytes / (text.Length + 64);
        int written = await WriteUntilHeldAsync(link.Jobs, text, 3 * window);
        // Bounded by bytes: a message is admitted while any byte of the window is left, so one more than the window.
        Assert.InRange(written, window, 2 * window + 2);
        session.Peer.Kill();
    }

    [Fact]
    public void The_NATS_byte_window_refuses_values_no_link_can_announce()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NatsTransportOptions { LaneWindowBytes = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new NatsTransportOptions { LaneWindowBytes = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new NatsTransportOptions { LaneWindowBytes = (1 << 30) + 1 });
        Assert.Equal(1 << 30, new NatsTransportOptions { LaneWindowBytes = 1 << 30 }.LaneWindowBytes);
        Assert.Equal(1, new NatsTransportOptions { LaneWindowBytes = 1 }.LaneWindowBytes);
    }

    [Fact]
    public void The_NATS_lane_window_refuses_values_no_link_can_announce()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NatsTransportOptions { LaneWindowMessages = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new NatsTransportOptions { LaneWindowMessages = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new NatsTransportOptions { LaneWindowMessages = (1 << 20) + 1 });
        Assert.Equal(1 << 20, new NatsTransportOptions { LaneWindowMessages = 1 << 20 }.LaneWindowMessages);
    }

    [Fact]
    public async Task A_peer_of_another_contract_is_refused()
    {
        byte[] key = TestKeys.NewKey();
        string endpoint = Endpoint(TestKeys.NewName("mismatch"));
        await using var listener = INatsWorker.Listen(endpoint, Options(key));
        await using var peer = PeerProcess.Start(TestKeys.PeerEnvironment(key), "other", endpoint);
        Assert.Equal(4, await peer.WaitForExitAsync(s_wait));
        Assert.Contains("INatsWorker", peer.Errors);
    }

    [Fact]
    public async Task A_peer_with_a_wrong_key_is_refused()
    {
        byte[] key = TestKeys.NewKey();
        string endpoint = Endpoint(TestKeys.NewName("key"));
        await using var listener = INatsWorker.Listen(endpoint, Options(key));
        await using var peer = PeerProcess.Start(TestKeys.PeerEnvironment(TestKeys.NewKey()), "echo", endpoint);
        Assert.Equal(5, await peer.WaitForExitAsync(s_wait));
        using var none = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await listener.AcceptAsync(none.Token));
    }

    [Fact]
    public async Task A_killed_peer_ends_the_link_with_PeerLostException_within_the_peer_timeout()
    {
        await using var session = await LinkSession.StartAsync(Endpoint(TestKeys.NewName("killed")), 1024, "echo");
        INatsWorker link = session.Link;
        PeerProcess peer = session.Peer;
        await link.Jobs.WriteAsync(new NatsJob(1, "a"));
        Assert.Equal(1, (await link.Results.ReadAsync()).Id);

        peer.Kill();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAsync<PeerLostException>(async () => await link.Results.ReadAsync().AsTask().WaitAsync(s_wait));
        // PeerTimeout is 3 s: silence is noticed by the missing pings.
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_link_outlives_its_listener_disposed_right_after_accept()
    {
        byte[] key = TestKeys.NewKey();
        string endpoint = Endpoint(TestKeys.NewName("outlive"));
        var listener = INatsWorker.Listen(endpoint, Options(key));
        await using var peer = PeerProcess.Start(TestKeys.PeerEnvironment(key), "echo", endpoint);
        INatsWorker link;
        try
        {
            link = await listener.AcceptAsync(new CancellationTokenSource(s_wait).Token);
        }
        finally
        {
            await listener.DisposeAsync();
        }
        await using (link)
        {
            for (int i = 0; i < 100; i++)
            {
                await link.Jobs.WriteAsync(new NatsJob(i, "after"));
                Assert.Equal(new NatsJob(i, "after!"), await link.Results.ReadAsync().AsTask().WaitAsync(s_wait));
            }
            link.Jobs.Complete();
            Assert.False(await link.Results.WaitToReadAsync().AsTask().WaitAsync(s_wait));
        }
        Assert.Equal(0, await peer.WaitForExitAsync(s_wait));
    }

    [Fact]
    public async Task Cancelling_the_token_of_a_finished_connect_leaves_the_link_up()
    {
        byte[] key = TestKeys.NewKey();
        string endpoint = Endpoint(TestKeys.NewName("token"));
        await using var listener = INatsWorker.Listen(endpoint, Options(key));
        using var connecting = new CancellationTokenSource();
        await using INatsWorker.Peer peer = await INatsWorker.Peer.ConnectAsync(endpoint, Options(key), connecting.Token);
        await using INatsWorker opener = await listener.AcceptAsync(new CancellationTokenSource(s_wait).Token);
        connecting.Cancel();
        for (int i = 0; i < 10; i++)
        {
            await opener.Jobs.WriteAsync(new NatsJob(i, "x"));
            Assert.Equal(i, (await peer.Jobs.ReadAsync().AsTask().WaitAsync(s_wait)).Id);
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_connector_that_starts_as_soon_as_Listen_returns_finds_the_listener()
    {
        // The connector uses a NATS connection of its own, whose request the server may see before the listener's
        // subscription unless Listen waits for the server to have it.
        for (int i = 0; i < 40; i++)
        {
            byte[] key = TestKeys.NewKey();
            string endpoint = Endpoint(TestKeys.NewName("ready"));
            await using ChannelListener<INatsWorker> listener = INatsWorker.Listen(endpoint, Options(key));
            await using INatsWorker.Peer peer = await INatsWorker.Peer.ConnectAsync(endpoint, Options(key));
            await using INatsWorker opener = await listener.AcceptAsync(new CancellationTokenSource(s_wait).Token);
        }
    }

    [Fact]
    public async Task Connecting_where_nobody_listens_fails_clearly()
    {
        var error = await Assert.ThrowsAsync<IOException>(async () =>
            await INatsWorker.Peer.ConnectAsync(Endpoint(TestKeys.NewName("nobody")), Options(TestKeys.NewKey())));
        Assert.Contains("no listener", error.Message);
    }

    [Fact]
    public async Task A_remote_endpoint_without_a_key_is_refused_before_connecting()
    {
        var error = await Assert.ThrowsAsync<AuthenticationFailedException>(async () =>
            await INatsWorker.Peer.ConnectAsync(Endpoint("nokey"), new ChannelOptions()));
        Assert.Contains("ChannelOptions.Key", error.Message);
        Assert.Throws<AuthenticationFailedException>(() => INatsWorker.Listen(Endpoint("nokey"), new ChannelOptions()));
    }

    /// <summary>A listener in this process, a peer process connected to it, and the accepted link; all closed on dispose.</summary>
    private sealed class LinkSession : IAsyncDisposable
    {
        private readonly ChannelListener<INatsWorker> _listener;

        private LinkSession(ChannelListener<INatsWorker> listener, PeerProcess peer, INatsWorker link)
        {
            _listener = listener;
            Peer = peer;
            Link = link;
        }

        public PeerProcess Peer { get; }

        public INatsWorker Link { get; }

        public static async Task<LinkSession> StartAsync(string endpoint, int? window, params string[] scenario)
        {
            byte[] key = TestKeys.NewKey();
            var listener = INatsWorker.Listen(endpoint, Options(key, window));
            PeerProcess? peer = null;
            try
            {
                peer = PeerProcess.Start(TestKeys.PeerEnvironment(key, window), [scenario[0], endpoint, .. scenario[1..]]);
                INatsWorker link = await listener.AcceptAsync(new CancellationTokenSource(s_wait).Token);
                return new LinkSession(listener, peer, link);
            }
            catch
            {
                if (peer is not null)
                    await peer.DisposeAsync();
                await listener.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Link.DisposeAsync();
            await Peer.DisposeAsync();
            await _listener.DisposeAsync();
        }
    }
}
