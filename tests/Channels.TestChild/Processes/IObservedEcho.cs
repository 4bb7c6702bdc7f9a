using System.Threading.Channels;
using Channels;

namespace Channels.TestChild.Processes;

/// <summary>The link of the observability tests' children (its own contract, so their metrics tags are theirs alone).</summary>
[ChannelContract]
public partial interface IObservedEcho
{
    ChannelWriter<long> Numbers { get; }

    ChannelReader<long> Answers { get; }
}

/// <summary>The queues of the observability tests' children: work that redelivers, and acknowledgements.</summary>
[ChannelContract]
public partial interface IObservedWork
{
    [Queue(Capacity = 100, Redeliver = true)]
    ProcessQueue<int> Items { get; }

    ProcessQueue<int> Acks { get; }
}
