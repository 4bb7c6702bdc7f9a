namespace Channels.TestChild.Queues;

/// <summary>The seed's queue (<c>multiprocessing.Queue(2)</c> of floats) as a generated queue contract.</summary>
[ChannelContract]
public partial interface ISeedBoard
{
    /// <summary>The values.</summary>
    [Queue(Capacity = 2)]
    ProcessQueue<double> Values { get; }
}
