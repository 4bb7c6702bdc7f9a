using System.Threading.Channels;
using Channels.Benchmarks.Messages;
using Channels.Benchmarks.SideBySide;
using MemoryPack;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Channels.Benchmarks.Systems.Nats;

/// <summary>
/// NATS.Net JetStream used directly, the yardstick of the Channels queue on JetStream: the host makes the same kind of
/// stream (work-queue retention, <see cref="QueueSystem.Capacity"/> messages with discard-new, file storage) and a
/// durable pull consumer with explicit acks; a producer publishes each item's MemoryPack bytes and waits for the
/// server's acknowledgement (trying again while the stream is full), a consumer pulls with NATS.Net's
/// <c>ConsumeAsync</c> (its default prefetch) and acks each message.
/// </summary>
public sealed class NatsRawQueueSystem : QueueSystem
{
    private const int MaxMessagesExceeded = 10077;
    private const string Consumer = "getters";

    /// <inheritdoc/>
    public override string Id => "nats-raw";

    /// <inheritdoc/>
    public override string DisplayName => SystemNames.NatsRawJetStream;

    /// <inheritdoc/>
    public override string? Unavailable => BenchNatsServer.Unavailable;

    /// <inheritdoc/>
    public override bool Supports(CaseKind kind) => kind == CaseKind.QueueJetStream1P1C;

    /// <inheritdoc/>
    public override async Task<IAsyncDisposable> HostAsync(string name, CancellationToken cancellationToken)
    {
        NatsConnection connection = await BenchNatsServer.ConnectAsync("bench-raw-queue-host", cancellationToken).ConfigureAwait(false);
        try
        {
            var js = new NatsJSContext(connection);
            await js.CreateStreamAsync(new StreamConfig(StreamOf(name), [SubjectOf(name)])
            {
                Retention = StreamConfigRetention.Workqueue,
                MaxMsgs = Capacity,
                Discard = StreamConfigDiscard.New,
                Storage = StreamConfigStorage.File,
            }, cancellationToken).ConfigureAwait(false);
            await js.CreateOrUpdateConsumerAsync(StreamOf(name), new ConsumerConfig(Consumer) { AckPolicy = ConsumerConfigAckPolicy.Explicit }, cancellationToken).ConfigureAwait(false);
            return new Host(connection, js, StreamOf(name));
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc/>
    public override async Task<IQueueClient> OpenAsync(string name, CancellationToken cancellationToken)
    {
        NatsConnection connection = await BenchNatsServer.ConnectAsync("bench-raw-queue-client", cancellationToken).ConfigureAwait(false);
        try
        {
            var js = new NatsJSContext(connection);
            INatsJSConsumer consumer = await js.GetConsumerAsync(StreamOf(name), Consumer, cancellationToken).ConfigureAwait(false);
            return new Client(connection, js, consumer, SubjectOf(name));
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static string StreamOf(string name) => "RAW_" + name.Replace('-', '_');

    private static string SubjectOf(string name) => "raw.queue." + name;

    private sealed class Host(NatsConnection connection, NatsJSContext js, string stream) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await js.DeleteStreamAsync(stream).ConfigureAwait(false);
            }
            finally
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    // Gets are served from what the consume loop has pulled and acknowledged; the loop starts with the first get,
    // so a producer process pulls nothing.
    private sealed class Client(NatsConnection connection, NatsJSContext js, INatsJSConsumer consumer, string subject) : IQueueClient
    {
        private readonly Channel<SmallRecord> _got = Channel.CreateUnbounded<SmallRecord>(new UnboundedChannelOptions { SingleWriter = true });
        private readonly CancellationTokenSource _stop = new();
        private Task? _consuming;

        public async ValueTask PutAsync(SmallRecord item, CancellationToken cancellationToken)
        {
            byte[] bytes = MemoryPackSerializer.Serialize(item);
            while (true)
            {
                PubAckResponse ack = await js.PublishAsync<byte[]>(subject, bytes, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (ack.Error is null)
                {
                    return;
                }

                if (ack.Error.ErrCode != MaxMessagesExceeded)
                {
                    throw new InvalidOperationException($"JetStream refused a put: {ack.Error.Description} (code {ack.Error.ErrCode})");
                }

                await Task.Delay(1, cancellationToken).ConfigureAwait(false); // full: as a Channels put, try again
            }
        }

        public ValueTask<SmallRecord> GetAsync(CancellationToken cancellationToken)
        {
            _consuming ??= ConsumeAsync(_stop.Token);
            return _got.Reader.ReadAsync(cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            if (_consuming is not null)
            {
                try
                {
                    await _consuming.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // stopped
                }
            }

            _stop.Dispose();
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        private async Task ConsumeAsync(CancellationToken cancellationToken)
        {
            try
            {
                await foreach (NatsJSMsg<byte[]> message in consumer.ConsumeAsync<byte[]>(cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    SmallRecord item = MemoryPackSerializer.Deserialize<SmallRecord>(message.Data)!;
                    await message.AckAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                    _got.Writer.TryWrite(item);
                }

                _got.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                _got.Writer.TryComplete(ex);
                throw;
            }
        }
    }
}
