using System.Threading.Channels;
using Channels.Benchmarks.Messages;
using Channels.Benchmarks.SideBySide;

namespace Channels.Benchmarks.Systems.ChannelsLink;

/// <summary>The child end over <see cref="IBenchLink.Peer"/>: the usual <c>WaitToReadAsync</c>/<c>TryRead</c> loop.</summary>
public sealed class ChannelsReceiver(BenchLanes.Reading link) : IPairReceiver, ICallPairReceiver
{
    /// <summary>Receives over the lanes of <paramref name="link"/>.</summary>
    public ChannelsReceiver(IBenchLink.Peer link)
        : this(new BenchLanes.Reading(link.Small, link.Structs, link.Bytes, link.Ping, link.Pong, link, link.Echo))
    {
    }

    /// <inheritdoc/>
    public async ValueTask<long> ReceiveAsync(CaseKind kind, int count, CancellationToken cancellationToken)
    {
        long checksum = 0;
        int received = 0;
        switch (kind)
        {
            case CaseKind.Small:
                ChannelReader<SmallRecord> small = link.Small;
                while (received < count)
                {
                    while (received < count && small.TryRead(out SmallRecord? message))
                    {
                        checksum += Checksums.Of(message);
                        received++;
                    }

                    if (received < count && !await small.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        throw Ended(received, count);
                    }
                }

                break;
            case CaseKind.Struct32:
                ChannelReader<Struct32> structs = link.Structs;
                while (received < count)
                {
                    while (received < count && structs.TryRead(out Struct32 message))
                    {
                        checksum += Checksums.Of(in message);
                        received++;
                    }

                    if (received < count && !await structs.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        throw Ended(received, count);
                    }
                }

                break;
            default:
                ChannelReader<byte[]> bytes = link.Bytes;
                while (received < count)
                {
                    while (received < count && bytes.TryRead(out byte[]? message))
                    {
                        checksum += Checksums.Of(message);
                        received++;
                    }

                    if (received < count && !await bytes.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        throw Ended(received, count);
                    }
                }

                break;
        }

        return checksum;
    }

    /// <inheritdoc/>
    public async ValueTask EchoAsync(int count, CancellationToken cancellationToken)
    {
        ChannelReader<SmallRecord> pings = link.Ping;
        ChannelWriter<SmallRecord> pongs = link.Pong;
        for (int i = 0; i < count; i++)
        {
            await pongs.WriteAsync(await pings.ReadAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask ServeCallsAsync(int count, CancellationToken cancellationToken)
    {
        ChannelCallServer<SmallRecord, SmallRecord> echo = link.Echo ?? throw new InvalidOperationException("these lanes have no call lane");
        int served = 0;
        await foreach (IncomingCall<SmallRecord, SmallRecord> call in echo.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            await call.ReplyAsync(call.Request).ConfigureAwait(false);
            if (++served == count)
            {
                return;
            }
        }

        throw new InvalidOperationException($"the call lane ended after {served} of {count} calls");
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => link.Owner.DisposeAsync();

    private static InvalidOperationException Ended(int received, int count)
        => new($"the lane completed after {received} of {count} messages");
}
