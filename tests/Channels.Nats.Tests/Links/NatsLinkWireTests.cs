using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Channels.Nats.Links;
using Channels.Nats.Peer;
using Channels.Nats.Tests.Infrastructure;
using MemoryPack;
using NATS.Client.Core;

namespace Channels.Nats.Tests.Links;

/// <summary>
/// What travels on a link's subjects: its frames in sequence-numbered NATS messages after the handshake, and what a
/// link does with hostile messages published on its inbox (a hole in the sequence, a message too short for its
/// header, frames cut short by the end marker, a frame header that lies, a message that does not decode), and that a
/// busy link's messages fit the server's reads.
/// </summary>
public sealed class NatsLinkWireTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task After_the_handshake_frames_travel_as_numbered_frames_messages_on_the_link_subjects()
    {
        await using var session = await WiredSession.StartAsync(fixture.Server.Url);
        List<(ulong Sequence, bool Frames, int Length)> toOpener = session.Seen(".o");
        List<(ulong Sequence, bool Frames, int Length)> toPeer = session.Seen(".p");

        foreach (var direction in new[] { toOpener, toPeer })
        {
            // 1, 2, 3, … across the handshake's messages and the frames' messages, the handshake first.
            for (int i = 0; i < direction.Count; i++)
                Assert.Equal((ulong)i + 1, direction[i].Sequence);
            int firstFrames = direction.FindIndex(static m => m.Frames);
            Assert.True(firstFrames > 0, "the handshake goes first, then frames");
            Assert.DoesNotContain(direction.Skip(firstFrames), static m => !m.Frames);
        }
    }

    [Fact]
    public async Task A_hole_in_the_sequence_ends_the_link_with_PeerLostException()
    {
        await using var session = await WiredSession.StartAsync(fixture.Server.Url);
        await session.InjectAsync(Message(session.NextToOpener + 1, frames: true, [1, 2, 3]));
        var error = await Assert.ThrowsAsync<PeerLostException>(async () => await session.Opener.Results.ReadAsync().AsTask().WaitAsync(s_wait));
        Assert.Contains("NATS dropped messages", error.ToString());
    }

    [Fact]
    public async Task A_message_shorter_than_its_header_ends_the_link_with_ProtocolException()
    {
        await using var session = await WiredSession.StartAsync(fixture.Server.Url);
        await session.InjectAsync([1, 2, 3]);
        var error = await Assert.ThrowsAsync<ProtocolException>(async () => await session.Opener.Results.ReadAsync().AsTask().WaitAsync(s_wait));
        Assert.Contains("shorter than its 8-byte header", error.Message);
    }

    [Fact]
    public async Task Handshake_bytes_after_the_frames_began_end_the_link_with_ProtocolException()
    {
        await using var session = await WiredSession.StartAsync(fixture.Server.Url);
        await session.InjectAsync(Message(session.NextToOpener, frames: false, [1, 2, 3]));
        var error = await Assert.ThrowsAsync<ProtocolException>(async () => await session.Opener.Results.ReadAsync().AsTask().WaitAsync(s_wait));
        Assert.Contains("handshake bytes", error.Message);
    }

    [Fact]
    public async Task A_frame_cut_short_by_the_end_marker_ends_the_link_with_ProtocolException()
    {
        await using var session = await WiredSession.StartAsync(fixture.Server.Url);
        // A Data frame (kind 1) of lane 0 announcing 100 payload bytes, of which 10 arrive; then the end marker.
        byte[] partial = new byte[7 + 10];
        BinaryPrimitives.WriteUInt32LittleEndian(partial, 100 + 3);
        partial[6] = 1;
        ulong next = session.NextToOpener;
        await session.InjectAsync(Message(next, frames: true, partial));
        await session.InjectAsync(Message(next + 1, frames: true, []));
        var error = await Assert.ThrowsAsync<ProtocolException>(async () => await session.Opener.Results.ReadAsync().AsTask().WaitAsync(s_wait));
        Assert.Contains("ended inside a frame", error.Message);
    }

    [Fact]
    public async Task A_frame_header_over_the_maximum_ends_the_link_with_ProtocolException()
    {
        await using var session = await WiredSession.StartAsync(fixture.Server.Url);
        byte[] lie = new byte[7];
        BinaryPrimitives.WriteUInt32LittleEndian(lie, int.MaxValue);
        lie[6] = 1;
        await session.InjectAsync(Message(session.NextToOpener, frames: true, lie));
        await Assert.ThrowsAsync<ProtocolException>(async () => await session.Opener.Results.ReadAsync().AsTask().WaitAsync(s_wait));
    }

    [Fact]
    public async Task Every_message_of_a_busy_link_fits_one_64_KiB_read_of_the_server()
    {
        await using var session = await WiredSession.StartAsync(fixture.Server.Url);
        string text = new('x', 200);
        const int Jobs = 20_000;
        Task reading = Task.Run(async () =>
        {
            for (int i = 0; i < Jobs; i++)
                Assert.Equal(i, (await session.Peer.Jobs.ReadAsync().AsTask().WaitAsync(s_wait)).Id);
        });
        for (int i = 0; i < Jobs; i++)
            await session.Opener.Jobs.WriteAsync(new NatsJob(i, text));
        await reading;
        await session.SettleAsync();

        List<(string Subject, int Length)> frames = session.SeenWithSubjects(".p");
        Assert.True(frames.Sum(static m => (long)m.Length) > (long)Jobs * text.Length, "the jobs went through the spied subjects");
        // The publish as the server reads it: "PUB <subject> <size>\r\n<payload>\r\n".
        int largest = frames.Max(static m => "PUB ".Length + Encoding.UTF8.GetByteCount(m.Subject) + 1 + m.Length.ToString(CultureInfo.InvariantCulture).Length + 2 + m.Length + 2);
        Assert.True(largest <= LinkMessage.ServerReadSize, $"a publish of {largest} bytes does not fit one read of {LinkMessage.ServerReadSize}");
        Assert.True(largest > LinkMessage.ServerReadSize - 1024, $"a busy link fills its messages (largest publish {largest} bytes)");
    }

    [Fact]
    public async Task A_message_that_does_not_decode_ends_the_link_with_ProtocolException_after_the_ones_before_it()
    {
        await using var session = await WiredSession.StartAsync(fixture.Server.Url);
        // Two Data frames (kind 1) on lane 1 (Results, which the opener reads): a job, then a job whose text's length
        // header claims 2^31-1 characters and nothing follows it.
        byte[] good = MemoryPackSerializer.Serialize(new NatsJob(7, "before"));
        byte[] bad = [2, 9, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F];
        byte[] body = [.. DataFrame(1, good), .. DataFrame(1, bad)];
        await session.InjectAsync(Message(session.NextToOpener, frames: true, body));

        Assert.Equal(new NatsJob(7, "before"), await session.Opener.Results.ReadAsync().AsTask().WaitAsync(s_wait));
        var error = await Assert.ThrowsAsync<ProtocolException>(async () => await session.Opener.Results.ReadAsync().AsTask().WaitAsync(s_wait));
        Assert.Contains("not a valid encoding", error.Message);
    }

    private static byte[] DataFrame(ushort lane, byte[] payload)
    {
        byte[] frame = new byte[7 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length + 3);
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(4), lane);
        frame[6] = 1;
        payload.CopyTo(frame, 7);
        return frame;
    }

    private static byte[] Message(ulong sequence, bool frames, byte[] body)
    {
        byte[] message = new byte[LinkMessage.HeaderSize + body.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(message, LinkMessage.MakeHeader(sequence, frames));
        body.CopyTo(message, LinkMessage.HeaderSize);
        return message;
    }

    /// <summary>
    /// A listener and a connector in this process, a job answered once (the link is then quiet: pings only every
    /// several seconds), and a third connection that saw every message on the link's subjects and can publish more.
    /// </summary>
    private sealed class WiredSession : IAsyncDisposable
    {
        private readonly NatsConnection _spy;
        private readonly INatsSub<NatsMemoryOwner<byte>> _seen;
        private readonly ConcurrentQueue<(string Subject, ulong Sequence, bool Frames, int Length)> _messages = new();
        private readonly ChannelListener<INatsWorker> _listener;
        private readonly INatsWorker.Peer _peer;
        private readonly Task _spying;

        private WiredSession(NatsConnection spy, INatsSub<NatsMemoryOwner<byte>> seen, ChannelListener<INatsWorker> listener, INatsWorker.Peer peer, INatsWorker opener)
        {
            _spy = spy;
            _seen = seen;
            _listener = listener;
            _peer = peer;
            Opener = opener;
            _spying = SpyAsync();
        }

        public INatsWorker Opener { get; }

        public INatsWorker.Peer Peer => _peer;

        /// <summary>The sequence number the opener's end expects next.</summary>
        public ulong NextToOpener => (ulong)Seen(".o").Count + 1;

        public static async Task<WiredSession> StartAsync(string server)
        {
            string name = TestKeys.NewName("wire");
            string endpoint = $"{server}/{name}";
            var options = new ChannelOptions { Key = TestKeys.NewKey(), PeerTimeout = TimeSpan.FromSeconds(30) };
            var spy = new NatsConnection(NatsOpts.Default with { Url = server });
            INatsSub<NatsMemoryOwner<byte>> seen = await spy.SubscribeCoreAsync<NatsMemoryOwner<byte>>($"chn.link.{name}.*.*");
            await spy.PingAsync();
            var listener = INatsWorker.Listen(endpoint, options);
            INatsWorker.Peer peer = await INatsWorker.Peer.ConnectAsync(endpoint, options);
            INatsWorker opener = await listener.AcceptAsync(new CancellationTokenSource(s_wait).Token);
            var session = new WiredSession(spy, seen, listener, peer, opener);
            await opener.Jobs.WriteAsync(new NatsJob(1, "a"));
            NatsJob job = await peer.Jobs.ReadAsync().AsTask().WaitAsync(s_wait);
            await peer.Results.WriteAsync(job);
            Assert.Equal(job, await opener.Results.ReadAsync().AsTask().WaitAsync(s_wait));
            await session.SettleAsync();
            return session;
        }

        /// <summary>
        /// Returns once what both ends published so far has reached the spy: its own round trip follows their
        /// messages through the server.
        /// </summary>
        public async Task SettleAsync()
        {
            await _spy.PingAsync();
            await Task.Delay(200);
        }

        public List<(string Subject, int Length)> SeenWithSubjects(string suffix)
        {
            var seen = new List<(string, int)>();
            foreach (var (subject, _, frames, length) in _messages)
            {
                if (frames && subject.EndsWith(suffix, StringComparison.Ordinal))
                    seen.Add((subject, length));
            }
            return seen;
        }

        public List<(ulong Sequence, bool Frames, int Length)> Seen(string suffix)
        {
            var seen = new List<(ulong, bool, int)>();
            foreach (var (subject, sequence, frames, length) in _messages)
            {
                if (subject.EndsWith(suffix, StringComparison.Ordinal))
                    seen.Add((sequence, frames, length));
            }
            return seen;
        }

        public async Task InjectAsync(byte[] message)
        {
            string subject = _messages.First(static m => m.Subject.EndsWith(".o", StringComparison.Ordinal)).Subject;
            await _spy.PublishAsync<byte[]>(subject, message);
        }

        public async ValueTask DisposeAsync()
        {
            await Opener.DisposeAsync();
            await _peer.DisposeAsync();
            await _listener.DisposeAsync();
            await _seen.DisposeAsync();
            await _spying;
            await _spy.DisposeAsync();
        }

        private async Task SpyAsync()
        {
            await foreach (NatsMsg<NatsMemoryOwner<byte>> message in _seen.Msgs.ReadAllAsync())
            {
                using NatsMemoryOwner<byte> owner = message.Data;
                if (LinkMessage.TryReadHeader(owner.Memory.Span, out ulong sequence, out bool frames))
                    _messages.Enqueue((message.Subject, sequence, frames, owner.Memory.Length));
            }
        }
    }
}
