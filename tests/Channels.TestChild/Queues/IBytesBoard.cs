namespace Channels.TestChild.Queues;

/// <summary>A generated queue contract of variable-size items, unbounded in count, redelivering what a killed consumer held.</summary>
[ChannelContract]
public partial interface IBytesBoard
{
    /// <summary>The items.</summary>
    [Queue(Redeliver = true)]
    ProcessQueue<byte[]> Items { get; }
}
