using System.Threading.Channels;
using MemoryPack;

namespace Channels.Nats.Peer;

/// <summary>A job carried over NATS in the tests.</summary>
[MemoryPackable]
public partial record NatsJob(int Id, string Text);

/// <summary>The link contract of the NATS tests: the listener sends jobs, the peer answers each.</summary>
[ChannelContract]
public partial interface INatsWorker
{
    /// <summary>Jobs, listener to peer.</summary>
    ChannelWriter<NatsJob> Jobs { get; }

    /// <summary>Answers, peer to listener.</summary>
    ChannelReader<NatsJob> Results { get; }
}

/// <summary>Another contract, for the mismatch test.</summary>
[ChannelContract]
public partial interface INatsOther
{
    /// <summary>Numbers, listener to peer.</summary>
    ChannelWriter<int> Numbers { get; }
}

/// <summary>The plain queue contract of the NATS tests (each item got once).</summary>
[ChannelContract]
public partial interface INatsBoard
{
    /// <summary>Items.</summary>
    [Queue(Capacity = 10_000)]
    ProcessQueue<int> Items { get; }
}

/// <summary>The redelivery queue contract of the NATS tests (items TaskDone'd at least once).</summary>
[ChannelContract]
public partial interface INatsRedeliverBoard
{
    /// <summary>Items.</summary>
    [Queue(Capacity = 10_000, Redeliver = true)]
    ProcessQueue<int> Items { get; }
}

/// <summary>A queue of capacity 2 (full-queue tests), with the same lane name as <see cref="INatsBoard"/>.</summary>
[ChannelContract]
public partial interface INatsSmallBoard
{
    /// <summary>Items.</summary>
    [Queue(Capacity = 2)]
    ProcessQueue<int> Items { get; }
}
