using System.Buffers;
using System.Collections.Concurrent;
using Channels.Nats.Links;
using Channels.Nats.Tests.Infrastructure;
using NATS.Client.Core;

namespace Channels.Nats.Tests.Links;

/// <summary>
/// A link's inbox subscription: what it queues while the link is in its handshake (bounded: a flood ends the link),
/// and the switch to handing messages to the link directly on NATS.Net's read loop (in order, nothing lost or queued).
/// </summary>
public sealed class LinkInboxTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_inbox_flooded_before_its_link_reads_directly_keeps_at_most_MaxQueued_messages_then_ends_with_ProtocolException()
    {
        await using var connection = new NatsConnection(NatsOpts.Default with { Url = fixture.Server.Url });
        string subject = "chn.test.flood." + Guid.NewGuid().ToString("N");
        LinkInbox inbox = await LinkInbox.SubscribeAsync(connection, subject);
        try
        {
            for (int i = 0; i < LinkInbox.MaxQueued + 100; i++)
                await connection.PublishAsync(subject, BitConverter.GetBytes(i));
            // The server answers the ping after delivering every message published before it on this connection.
            await connection.PingAsync();

            Assert.Equal(LinkInbox.MaxQueued, inbox.Queued.Count);
            int read = 0;
            var error = await Assert.ThrowsAsync<ProtocolException>(async () =>
            {
                using var timeout = new CancellationTokenSource(s_wait);
                await foreach (QueuedMessage message in inbox.Queued.ReadAllAsync(timeout.Token))
                {
                    using (message)
                        Assert.Equal(read++, BitConverter.ToInt32(message.Memory.Span));
                }
            });
            Assert.Equal(LinkInbox.MaxQueued, read);
            Assert.Contains($"More than {LinkInbox.MaxQueued} messages", error.Message);
        }
        finally
        {
            await inbox.DisposeAsync();
        }
    }

    [Fact]
    public async Task Messages_go_to_the_direct_reader_in_order_once_the_queue_is_read_and_never_while_it_holds_any()
    {
        await using var connection = new NatsConnection(NatsOpts.Default with { Url = fixture.Server.Url });
        string subject = "chn.test.direct." + Guid.NewGuid().ToString("N");
        LinkInbox inbox = await LinkInbox.SubscribeAsync(connection, subject);
        var direct = new RecordingInbox();
        try
        {
            for (int i = 0; i < 10; i++)
                await connection.PublishAsync(subject, BitConverter.GetBytes(i));
            await connection.PingAsync();

            // A queued message must be read first: no switch while the queue holds one.
            Assert.False(inbox.TryDeliverDirectly(direct));
            for (int i = 0; i < 10; i++)
            {
                Assert.True(inbox.Queued.TryRead(out QueuedMessage message));
                using (message)
                    Assert.Equal(i, BitConverter.ToInt32(message.Memory.Span));
            }
            Assert.True(inbox.TryDeliverDirectly(direct));

            for (int i = 10; i < 2 * LinkInbox.MaxQueued; i++)
                await connection.PublishAsync(subject, BitConverter.GetBytes(i));
            await connection.PingAsync();

            Assert.Equal(0, inbox.Queued.Count);
            Assert.Equal(Enumerable.Range(10, 2 * LinkInbox.MaxQueued - 10), direct.Received);
            Assert.False(direct.Ended);
        }
        finally
        {
            await inbox.DisposeAsync();
        }
        Assert.True(direct.Ended, "the end of the subscription reaches the direct reader");
    }

    private sealed class RecordingInbox : IDirectInbox
    {
        private readonly ConcurrentQueue<int> _received = new();

        public IEnumerable<int> Received => _received;

        public bool Ended { get; private set; }

        public void OnMessage(ReadOnlySequence<byte> payload)
        {
            Span<byte> value = stackalloc byte[sizeof(int)];
            payload.CopyTo(value);
            _received.Enqueue(BitConverter.ToInt32(value));
        }

        public void OnInboxEnded() => Ended = true;
    }
}
