using Channels.Benchmarks.SideBySide;
using Channels.Benchmarks.Systems.ChannelsLink;
using Channels.Benchmarks.Systems.CodecAlone;
using Channels.Benchmarks.Systems.HandWritten;
using Channels.Benchmarks.Systems.JsonRpc;
using Channels.Benchmarks.Systems.Nats;

namespace Channels.Benchmarks.Systems;

/// <summary>Every system of the side-by-side comparison, in table order.</summary>
public static class SystemCatalog
{
    /// <summary>The systems measured with one parent and one receiving end; the hand-written baseline first.</summary>
    public static IReadOnlyList<PairSystem> PairSystems { get; } =
    [
        new HandWrittenSystem(),
        new ChannelsUnixSystem("channels-unix", SystemNames.ChannelsUnix, ChannelOptions.Default.LaneWindowMessages, ChannelOptions.Default.LaneWindowBytes),
        new ChannelsMeteredSystem(),
        new ChannelsUnixSystem("channels-shm", SystemNames.ChannelsShm, ChannelOptions.Default.LaneWindowMessages, ChannelOptions.Default.LaneWindowBytes, sharedMemory: true),
        new ChannelsUnixSystem("channels-shm-spin", SystemNames.ChannelsShmSpin, ChannelOptions.Default.LaneWindowMessages, ChannelOptions.Default.LaneWindowBytes, sharedMemory: true, SharedMemoryWait.BusySpin),
        new ChannelsInProcessSystem(),
        new BclBoundedSystem(),
        new CodecAloneSystem(),
        new JsonRpcSystem(),
        new ChannelsNatsSystem(),
        new NatsRawSystem(),
    ];

    /// <summary>The queue systems.</summary>
    public static IReadOnlyList<QueueSystem> QueueSystems { get; } =
    [
        // Default options: Python's semantics, items in shared memory.
        new ChannelsQueueSystem("channels-queue", SystemNames.ChannelsQueue, ChannelOptions.Default),

        // On the runner's nats-server: the JetStream engine against NATS.Net's JetStream client used directly.
        new ChannelsQueueSystem("channels-nats", SystemNames.ChannelsNatsQueue, ChannelOptions.Default, overNats: true),
        new NatsRawQueueSystem(),
    ];

    /// <summary>The queue system with <paramref name="id"/>.</summary>
    public static QueueSystem FindQueue(string id)
    {
        foreach (QueueSystem system in QueueSystems)
        {
            if (system.Id == id)
            {
                return system;
            }
        }

        throw new ArgumentException($"no queue system '{id}'", nameof(id));
    }

    /// <summary>The pair system with <paramref name="id"/>.</summary>
    public static PairSystem FindPair(string id)
    {
        foreach (PairSystem system in PairSystems)
        {
            if (system.Id == id)
            {
                return system;
            }
        }

        throw new ArgumentException($"no pair system '{id}'", nameof(id));
    }
}
