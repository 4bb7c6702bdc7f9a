using System.Threading.Channels;
using Channels.Benchmarks.Messages;

namespace Channels.Benchmarks.Systems.ChannelsLink;

/// <summary>The contract the Channels systems are measured through: one lane per message shape, and a ping-pong pair.</summary>
[ChannelContract]
public partial interface IBenchLink
{
    /// <summary>Small records, parent to child.</summary>
    ChannelWriter<SmallRecord> Small { get; }

    /// <summary>Unmanaged structs, parent to child.</summary>
    ChannelWriter<Struct32> Structs { get; }

    /// <summary>Byte payloads (1 KiB and 64 KiB), parent to child.</summary>
    ChannelWriter<byte[]> Bytes { get; }

    /// <summary>Pings, parent to child.</summary>
    ChannelWriter<SmallRecord> Ping { get; }

    /// <summary>Pongs, child to parent.</summary>
    ChannelReader<SmallRecord> Pong { get; }

    /// <summary>Calls the child answers with their own request (the call round-trip case, on the same link as the ping-pong).</summary>
    ChannelCall<SmallRecord, SmallRecord> Echo { get; }
}
