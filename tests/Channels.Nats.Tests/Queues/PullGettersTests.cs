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

        public static async Task<QueueSetup> StartAsync(string url)
        {
            var connection = new NatsConnection(NatsOpts.Default with { Url = url });
            var js = new NatsJSContext(connection);
            string stream = TestKeys.NewName("pull");
            await js.CreateStreamAsync(new StreamConfig(stream, ["pull-test." + stream]) { Retention = StreamConfigRetention.Workqueue });
            var setup = new QueueSetup(connection, js, stream, null!);
            await setup.CreateConsumerAsync();
            PullGetters getters = await PullGetters.StartAsync(connection, stream, Consumer, CancellationToken.None);
            return new QueueSetup(connection, js, stream, getters);
        }

        public async Task CreateConsumerAsync()
            => await Js.CreateOrUpdateConsumerAsync(Stream, new ConsumerConfig(Consumer) { AckPolicy = ConsumerConfigAckPolicy.Explicit, AckWait = TimeSpan.FromSeconds(30) });

        public async Task PublishAsync(string item)
            => (await Js.PublishAsync<byte[]>(Subject, Encoding.UTF8.GetBytes(item))).EnsureSuccess();

        /// <summary>One item, acknowledged; null when none came in <paramref name="wait"/>.</summary>
        public async Task<string?> GetAsync(TimeSpan wait)
        {
            PullGetters.Delivery? delivery = await Getters.PullAsync(wait, CancellationToken.None);
            if (delivery is not { } got)
                return null;
            using NatsMemoryOwner<byte> data = got.Message.Data;
            await Getters.AckAsync(got.Message, CancellationToken.None);
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
