using Channels.Benchmarks.Messages;
using Channels.Benchmarks.SideBySide;

namespace Channels.Benchmarks.Systems.ChannelsLink;

/// <summary>The queue contract of the queue cases: one bounded queue of small records (Python: <c>Queue(maxsize=1000)</c>).</summary>
[ChannelContract]
public partial interface IBenchBoard
{
    /// <summary>The shared queue.</summary>
    [Queue(Capacity = QueueSystem.Capacity)]
    ProcessQueue<SmallRecord> Items { get; }
}
