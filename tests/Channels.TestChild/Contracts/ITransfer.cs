using System.Threading.Channels;

namespace Channels.TestChild.Contracts;

/// <summary>Acceptance 1's contract: three lanes, two directions; a string + nested record, an unmanaged struct, a [MemoryPackable] class.</summary>
[ChannelContract]
public partial interface ITransfer
{
    /// <summary>Orders from the opener (a string and a nested record).</summary>
    ChannelWriter<Order> Orders { get; }

    /// <summary>Ticks from the opener (an unmanaged struct).</summary>
    ChannelWriter<Tick> Ticks { get; }

    /// <summary>Receipts from the peer (a [MemoryPackable] class).</summary>
    ChannelReader<Receipt> Receipts { get; }
}
