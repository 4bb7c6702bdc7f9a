using System.Threading.Channels;
using Channels.Benchmarks.Messages;

namespace Channels.Benchmarks.Systems.ChannelsLink;

/// <summary>The sending side's lanes of the benchmark contract, whatever provides them, and what to dispose at the end.</summary>
/// <param name="Small">Small records out.</param>
/// <param name="Structs">32-byte structs out.</param>
/// <param name="Bytes">Byte arrays out.</param>
/// <param name="Ping">Pings out.</param>
/// <param name="Pong">Pongs back.</param>
/// <param name="Owner">Disposed with the sender.</param>
/// <param name="Echo">The call lane, where the lanes come from a link (not for the BCL channels).</param>
public sealed record BenchLanes(
    ChannelWriter<SmallRecord> Small, ChannelWriter<Struct32> Structs, ChannelWriter<byte[]> Bytes,
    ChannelWriter<SmallRecord> Ping, ChannelReader<SmallRecord> Pong, IAsyncDisposable Owner,
    ChannelCall<SmallRecord, SmallRecord>? Echo = null)
{
    /// <summary>The receiving side's lanes.</summary>
    /// <param name="Small">Small records in.</param>
    /// <param name="Structs">32-byte structs in.</param>
    /// <param name="Bytes">Byte arrays in.</param>
    /// <param name="Ping">Pings in.</param>
    /// <param name="Pong">Pongs out.</param>
    /// <param name="Owner">Disposed with the receiver.</param>
    /// <param name="Echo">The served call lane, where the lanes come from a link.</param>
    public sealed record Reading(
        ChannelReader<SmallRecord> Small, ChannelReader<Struct32> Structs, ChannelReader<byte[]> Bytes,
        ChannelReader<SmallRecord> Ping, ChannelWriter<SmallRecord> Pong, IAsyncDisposable Owner,
        ChannelCallServer<SmallRecord, SmallRecord>? Echo = null);
}
