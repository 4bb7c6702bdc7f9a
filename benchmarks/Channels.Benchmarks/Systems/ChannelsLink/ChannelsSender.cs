using System.Diagnostics;
using System.Threading.Channels;
using Channels.Benchmarks.Messages;
using Channels.Benchmarks.SideBySide;

namespace Channels.Benchmarks.Systems.ChannelsLink;

/// <summary>
/// The parent end over the opener of <see cref="IBenchLink"/>: plain <c>WriteAsync</c> per message, as a user writes
/// it (it completes synchronously while the remote window has room; the link batches and flushes by itself). The same
/// loops drive any set of <see cref="ChannelWriter{T}"/>/<see cref="ChannelReader{T}"/> lanes (the BCL channel system).
/// </summary>
public sealed class ChannelsSender(BenchLanes link) : IPairSender, ICallPairSender
{
    /// <summary>Sends over the lanes of <paramref name="link"/>.</summary>
    public ChannelsSender(IBenchLink link)
        : this(new BenchLanes(link.Small, link.Structs, link.Bytes, link.Ping, link.Pong, link, link.Echo))
    {
    }

    /// <inheritdoc/>
    public async ValueTask SendAsync(CaseKind kind, int count, CancellationToken cancellationToken)
    {
        switch (kind)
        {
            case CaseKind.Small:
                ChannelWriter<SmallRecord> small = link.Small;
                SmallRecord[] ring = Payloads.SmallRing;
                for (int i = 0; i < count; i++)
                {
                    await small.WriteAsync(ring[i % Payloads.RingSize], cancellationToken).ConfigureAwait(false);
                }

                break;
            case CaseKind.Struct32:
                ChannelWriter<Struct32> structs = link.Structs;
                Struct32[] structRing = Payloads.StructRing;
                for (int i = 0; i < count; i++)
                {
                    await structs.WriteAsync(structRing[i % Payloads.RingSize], cancellationToken).ConfigureAwait(false);
                }

                break;
            default:
                ChannelWriter<byte[]> bytes = link.Bytes;
                byte[] payload = kind == CaseKind.Bytes1K ? Payloads.Bytes1K : Payloads.Bytes64K;
                for (int i = 0; i < count; i++)
                {
                    await bytes.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
                }

                break;
        }
    }

    /// <inheritdoc/>
    public async ValueTask PingPongAsync(long[] latencies, CancellationToken cancellationToken)
    {
        SmallRecord ping = Payloads.Ping;
        ChannelWriter<SmallRecord> pings = link.Ping;
        ChannelReader<SmallRecord> pongs = link.Pong;
        for (int i = 0; i < latencies.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await pings.WriteAsync(ping, cancellationToken).ConfigureAwait(false);
            ping = await pongs.ReadAsync(cancellationToken).ConfigureAwait(false);
            latencies[i] = Stopwatch.GetTimestamp() - start;
        }
    }

    /// <inheritdoc/>
    public async ValueTask CallRoundTripsAsync(long[] latencies, CancellationToken cancellationToken)
    {
        ChannelCall<SmallRecord, SmallRecord> echo = link.Echo ?? throw new InvalidOperationException("these lanes have no call lane");
        SmallRecord[] ring = Payloads.SmallRing;
        for (int i = 0; i < latencies.Length; i++)
        {
            SmallRecord request = ring[i % Payloads.RingSize];
            long start = Stopwatch.GetTimestamp();
            SmallRecord response = await echo.CallAsync(request, cancellationToken).ConfigureAwait(false);
            latencies[i] = Stopwatch.GetTimestamp() - start;
            if (response.Id != request.Id)
            {
                throw new InvalidOperationException($"call {i} asked for {request.Id} and got the answer to {response.Id}");
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => link.Owner.DisposeAsync();
}
