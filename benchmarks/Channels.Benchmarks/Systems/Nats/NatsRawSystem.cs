using System.Globalization;
using Channels.Benchmarks.SideBySide;
using NATS.Client.Core;

namespace Channels.Benchmarks.Systems.Nats;

/// <summary>
/// NATS.Net used directly, the yardstick of the Channels-over-NATS link: the parent publishes length-prefixed
/// MemoryPack frames of the small records, packed into NATS messages of up to 64 KiB (the batching freedom the
/// Channels bridge has), on one subject the child subscribes to. No flow control, no handshake, no sequence checks.
/// </summary>
public sealed class NatsRawSystem : ProcessPairSystem
{
    /// <inheritdoc/>
    public override string Id => "nats-raw";

    /// <inheritdoc/>
    public override string DisplayName => SystemNames.NatsRaw;

    /// <inheritdoc/>
    public override string? Unavailable => BenchNatsServer.Unavailable;

    /// <inheritdoc/>
    public override bool Supports(CaseKind kind) => kind == CaseKind.Small;

    /// <inheritdoc/>
    protected override string AddressFor(string workDirectory)
        => string.Create(CultureInfo.InvariantCulture, $"bench.raw.{Environment.ProcessId}");

    /// <inheritdoc/>
    protected override async Task<Func<CancellationToken, Task<IPairSender>>> ListenAsync(string socketPath, CancellationToken cancellationToken)
    {
        string subject = socketPath;
        NatsConnection connection = await BenchNatsServer.ConnectAsync("bench-raw-sender", cancellationToken).ConfigureAwait(false);
        try
        {
            // The child says hello once its subscription is registered at the server; nothing is sent before.
            INatsSub<NatsMemoryOwner<byte>> hello = await connection.SubscribeCoreAsync<NatsMemoryOwner<byte>>(subject + ".hello", cancellationToken: cancellationToken).ConfigureAwait(false);
            return async token =>
            {
                try
                {
                    await using (hello.ConfigureAwait(false))
                    {
                        NatsMsg<NatsMemoryOwner<byte>> greeting = await hello.Msgs.ReadAsync(token).ConfigureAwait(false);
                        greeting.Data.Dispose();
                    }

                    return new NatsRawSender(connection, subject);
                }
                catch
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            };
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc/>
    public override async Task<IPairReceiver> ConnectChildAsync(string address, CancellationToken cancellationToken)
    {
        NatsConnection connection = await BenchNatsServer.ConnectAsync("bench-raw-receiver", cancellationToken).ConfigureAwait(false);
        try
        {
            INatsSub<NatsMemoryOwner<byte>> subscription = await connection.SubscribeCoreAsync<NatsMemoryOwner<byte>>(address, cancellationToken: cancellationToken).ConfigureAwait(false);
            await connection.PingAsync(cancellationToken).ConfigureAwait(false); // the server has the subscription
            await connection.PublishAsync(address + ".hello", "ready", cancellationToken: cancellationToken).ConfigureAwait(false);
            return new NatsRawReceiver(connection, subscription);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
