using System.Threading.Channels;
using Channels.Contracts;

namespace Channels.TestChild.Contracts;

// Written by hand in the shape GENERATED_SHAPE.md fixes for generated code (until the generator emits it):
// three lanes, two directions, a string + nested record, an unmanaged struct and a [MemoryPackable] class.

/// <summary>The opener writes orders and ticks; the peer answers with receipts.</summary>
public partial interface ITransfer : IAsyncDisposable
{
    ChannelWriter<Order> Orders { get; }

    ChannelWriter<Tick> Ticks { get; }

    ChannelReader<Receipt> Receipts { get; }

    public static LinkContract<ITransfer, ITransfer.Peer> Definition => TransferDefinition.Instance;

    /// <summary>The same contract compiled with a changed message shape: same name, other fingerprint.</summary>
    public static LinkContract<ITransfer, ITransfer.Peer> ChangedShapeDefinition => TransferDefinition.Changed;

    public static (ITransfer Opener, ITransfer.Peer Peer) CreatePipe(ChannelOptions? options = null) => Definition.CreatePipe(options);

    public static ChannelListener<ITransfer> Listen(string endpoint, ChannelOptions? options = null) => Definition.Listen(endpoint, options);

    public interface Peer : IAsyncDisposable
    {
        ChannelReader<Order> Orders { get; }

        ChannelReader<Tick> Ticks { get; }

        ChannelWriter<Receipt> Receipts { get; }

        public static ValueTask<ITransfer.Peer> ConnectAsync(string endpoint, ChannelOptions? options = null, CancellationToken cancellationToken = default)
            => Definition.ConnectAsync(endpoint, options, cancellationToken);
    }

    private sealed class TransferDefinition : LinkContract<ITransfer, ITransfer.Peer>
    {
        public static readonly TransferDefinition Instance = new(0x5eed_0001_c0de_0001UL);
        public static readonly TransferDefinition Changed = new(0x5eed_0001_c0de_0002UL);

        private TransferDefinition(ulong fingerprint)
            : base(new ContractDescriptor("Channels.TestChild.Contracts.ITransfer", fingerprint, new LaneDescriptor[]
            {
                new("Orders", LaneDirection.OpenerToPeer, "global::Channels.TestChild.Contracts.Order"),
                new("Ticks", LaneDirection.OpenerToPeer, "global::Channels.TestChild.Contracts.Tick"),
                new("Receipts", LaneDirection.PeerToOpener, "global::Channels.TestChild.Contracts.Receipt"),
            }))
        {
        }

        protected override ITransfer CreateOpener(ChannelLink link) => new OpenerEnd(link);

        protected override ITransfer.Peer CreatePeer(ChannelLink link) => new PeerEnd(link);
    }

    private sealed class OpenerEnd : ITransfer, IChannelEndpoint
    {
        private readonly ChannelLink _link;

        public OpenerEnd(ChannelLink link)
        {
            _link = link;
            Orders = link.CreateWriter(0, MemoryPackLaneCodec<Order>.Instance);
            Ticks = link.CreateWriter(1, MemoryPackLaneCodec<Tick>.Instance);
            Receipts = link.CreateReader(2, MemoryPackLaneCodec<Receipt>.Instance);
        }

        public ChannelWriter<Order> Orders { get; }

        public ChannelWriter<Tick> Ticks { get; }

        public ChannelReader<Receipt> Receipts { get; }

        ChannelLink IChannelEndpoint.Link => _link;

        public ValueTask DisposeAsync() => _link.DisposeAsync();
    }

    private sealed class PeerEnd : ITransfer.Peer, IChannelEndpoint
    {
        private readonly ChannelLink _link;

        public PeerEnd(ChannelLink link)
        {
            _link = link;
            Orders = link.CreateReader(0, MemoryPackLaneCodec<Order>.Instance);
            Ticks = link.CreateReader(1, MemoryPackLaneCodec<Tick>.Instance);
            Receipts = link.CreateWriter(2, MemoryPackLaneCodec<Receipt>.Instance);
        }

        public ChannelReader<Order> Orders { get; }

        public ChannelReader<Tick> Ticks { get; }

        public ChannelWriter<Receipt> Receipts { get; }

        ChannelLink IChannelEndpoint.Link => _link;

        public ValueTask DisposeAsync() => _link.DisposeAsync();
    }
}
