using System.Threading.Channels;
using Channels.Contracts;

namespace Channels.TestChild.Contracts;

/// <summary>
/// <see cref="ITransfer"/> as another build with a changed message shape would see it: the same name and lanes, another
/// fingerprint. Written by hand because one compilation cannot hold two shapes of one contract.
/// </summary>
public sealed class ChangedTransfer : LinkContract<ITransfer, ITransfer.Peer>
{
    public static readonly ChangedTransfer Definition = new();

    private ChangedTransfer()
        : base(new ContractDescriptor(ITransfer.Definition.Descriptor.Name, ITransfer.Definition.Descriptor.Fingerprint ^ 0x1, ITransfer.Definition.Descriptor.Lanes))
    {
    }

    protected override ITransfer CreateOpener(ChannelLink link) => throw new NotSupportedException("The changed shape is only ever the connecting peer.");

    protected override ITransfer.Peer CreatePeer(ChannelLink link) => new PeerEnd(link);

    private sealed class PeerEnd(ChannelLink link) : ITransfer.Peer, IChannelEndpoint
    {
        public ChannelReader<Order> Orders { get; } = link.CreateReader(0, MemoryPackLaneCodec<Order>.Instance);

        public ChannelReader<Tick> Ticks { get; } = link.CreateReader(1, MemoryPackLaneCodec<Tick>.Instance);

        public ChannelWriter<Receipt> Receipts { get; } = link.CreateWriter(2, MemoryPackLaneCodec<Receipt>.Instance);

        ChannelLink IChannelEndpoint.Link => link;

        public ValueTask DisposeAsync() => link.DisposeAsync();
    }
}
