using System.Text;
using Channels.Nats.Queues;
using Channels.Nats.Tests.Infrastructure;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Channels.Nats.Tests.Queues;

/// <summary>
/// The pull loop that serves a process's gets keeps asking whatever its requests meet (issue 12, point 2: after a
/// consumer leader change in a cluster run, a consumer's getters stopped pulling and its gets waited until their
/// timeout, the consumer showing no waiting request).
/// </summary>
public sealed class PullGettersTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Gets_keep_pulling_after_the_client_ended_the_reply_subscription()
    {
        await using var setup = await QueueSetup.StartAsync(fixture.Server.Url);
        await setup.PublishAsync("a");
        Assert.Equal("a", await setup.GetAsync(s_wait));

        // NATS.Net ends a subscription (completes its channel) when a message on it cannot be read; the loop used to
        // die on the ChannelClosedException that followed, silently, and no get was served again.
        await setup.Getters.EndSubscriptionForTestAsync();
        await setup.PublishAsync("b");
        Assert.Equal("b", await setup.GetAsync(s_wait));
        await setup.PublishAsync("c");
        Assert.Equal("c", await setup.GetAsync(s_wait));
        Assert.True(setup.Getters.Resubscriptions >= 1);
    }

    [Fact]
    public async Task A_get_waiting_while_the_consumer_is_deleted_and_made_again_is_served_by_the_new_one()
    {
        await using var setup = await QueueSetup.StartAsync(fixture.Server.Url);
        Task<string?> waiting = setup.GetAsync(TimeSpan.FromSeconds(5));
        await Task.Delay(300);
        // The outstanding request ends with a 409 status; the loop must ask the consumer made again.
        await setup.Js.DeleteConsumerAsync(setup.Stream, QueueSetup.Consumer);
        await setup.CreateConsumerAsync();
        await setup.PublishAsync("d");
        Assert.Equal("d", await waiting);
    }

    [Fact]
    public async Task A_message_read_ahead_goes_back_when_no_get_takes_it_or_the_getters_are_disposed()
    {
        await using var setup = await QueueSetup.StartAsync(fixture.Server.Url, readAhead: 2);
        await using PullGetters others = await PullGetters.StartAsync(setup.Connection, setup.Stream, QueueSetup.Consumer, 0, TimeSpan.FromMilliseconds(100), CancellationToken.None);
        foreach (string item in new[] { "a", "b", "c" })
            await setup.PublishAsync(item);
        Assert.Equal("a", await setup.GetAsync(s_wait));
        // The first getters read b and c ahead; none of their gets takes them, so they go back after the hold.
        var rest = new List<string?> { await QueueSetup.GetAsync(others, TimeSpan.FromSeconds(10)), await QueueSetup.GetAsync(others, TimeSpan.FromSeconds(10)) };
        rest.Sort(StringComparer.Ordinal);
        Assert.Equal(["b", "c"], rest);

        await setup.PublishAsync("d");
        await setup.PublishAsync("e");
        Assert.Equal("d", await setup.GetAsync(s_wait));
        for (int tries = 0; tries < 300 && setup.Getters.HeldCount == 0; tries++)
            await Task.Delay(10);
        Assert.Equal(1, setup.Getters.HeldCount);
        // Disposed holding e (read ahead): it goes back at once, not after the ack wait (30 s).
        await setup.Getters.DisposeAsync();
        Assert.Equal("e", await QueueSetup.GetAsync(others, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Gets_in_a_loop_take_each_item_once_in_order_with_read_ahead()
    {
        await using var setup = await QueueSetup.StartAsync(fixture.Server.Url, readAhead: 8);
        for (int i = 0; i < 50; i++)
            await setup.PublishAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        for (int i = 0; i < 50; i++)
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), await setup.GetAsync(TimeSpan.Zero) ?? await setup.GetAsync(s_wait));
        Assert.Null(await setup.GetAsync(TimeSpan.Zero));
    }

    /// <summary>A work-queue stream, its pull consumer and the getters of this process.</summary>
    private sealed class QueueSetup : IAsyncDisposable
    {
        public const string Consumer = "getters";

        private readonly NatsConnection _connection;

        private QueueSetup(NatsConnection connection, NatsJSContext js, string stream, PullGetters getters)
        {
            _connection = connection;
            Js = js;
            Stream = stream;
            Getters = getters;
        }

        public NatsJSContext Js { get; }

        public string Stream { get; }

        public PullGetters Getters { get; }

        private string Subject => "pull-test." + Stream;

        public static async Task<QueueSetup> StartAsync(string url, int readAhead = 0)
        {
            var connection = new NatsConnection(NatsOpts.Default with { Url = url });
            var js = new NatsJSContext(connection);
            string stream = TestKeys.NewName("pull");
            await js.CreateStreamAsync(new StreamConfig(stream, ["pull-test." + stream]) { Retention = StreamConfigRetention.Workqueue });
            var setup = new QueueSetup(connection, js, stream, null!);
            await setup.CreateConsumerAsync();
            PullGetters getters = await PullGetters.StartAsync(connection, stream, Consumer, readAhead, TimeSpan.FromMilliseconds(100), CancellationToken.None);
            return new QueueSetup(connection, js, stream, getters);
        }

        public async Task CreateConsumerAsync()
            => await Js.CreateOrUpdateConsumerAsync(Stream, new ConsumerConfig(Consumer) { AckPolicy = ConsumerConfigAckPolicy.Explicit, AckWait = TimeSpan.FromSeconds(30) });

        public async Task PublishAsync(string item)
            => (await Js.PublishAsync<byte[]>(Subject, Encoding.UTF8.GetBytes(item))).EnsureSuccess();

        public NatsConnection Connection => _connection;

        /// <summary>One item, acknowledged; null when none came in <paramref name="wait"/>.</summary>
        public Task<string?> GetAsync(TimeSpan wait) => GetAsync(Getters, wait);

        /// <summary>One item from <paramref name="getters"/>, acknowledged; null when none came in <paramref name="wait"/>.</summary>
        public static async Task<string?> GetAsync(PullGetters getters, TimeSpan wait)
        {
            PullGetters.Delivery? delivery = await getters.PullAsync(wait, CancellationToken.None);
            if (delivery is not { } got)
                return null;
            using NatsMemoryOwner<byte> data = got.Message.Data;
            await getters.AckAsync(got.Message, CancellationToken.None);
            return Encoding.UTF8.GetString(data.Memory.Span);
        }

        public async ValueTask DisposeAsync()
        {
            if (Getters is not null)
                await Getters.DisposeAsync();
            await Js.DeleteStreamAsync(Stream);
            await _connection.DisposeAsync();
        }
    }
}
