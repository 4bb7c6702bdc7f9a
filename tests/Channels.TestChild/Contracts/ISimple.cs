using System.Threading.Channels;
using Channels.Contracts;

namespace Channels.TestChild.Contracts;

// Written by hand in the shape GENERATED_SHAPE.md fixes for generated code (until the generator emits it).

/// <summary>A small contract for lane semantics: numbers out, echoes back, notes out.</summary>
public partial interface ISimple : IAsyncDisposable
{
    ChannelWriter<long> Numbers { get; }

    ChannelReader<long> Echoes { get; }

    ChannelWriter<string> Notes { get; }

    public static LinkContract<ISimple, ISimple.Peer> Definition => SimpleDefinition.Instance;

    public static (ISimple Opener, ISimple.Peer Peer) CreatePipe(ChannelOptions? options = null) => Definition.CreatePipe(options);

    public static ChannelListener<ISimple> Listen(string endpoint, ChannelOptions? options = null) => Definition.Listen(endpoint, options);

    public interface Peer : IAsyncDisposable
    {
        ChannelReader<long> Numbers { get; }

        ChannelWriter<long> Echoes { get; }

        ChannelReader<string> Notes { get; }

        public static ValueTask<ISimple.Peer> ConnectAsync(string endpoint, ChannelOptions? options = null, CancellationToken cancellationToken = default)
            => Definition.ConnectAsync(endpoint, options, cancellationToken);
    }

    private sealed class SimpleDefinition : LinkContract<ISimple, ISimple.Peer>
    {
        public static readonly SimpleDefinition Instance = new();

        private SimpleDefinition()
            : base(new ContractDescriptor("Channels.TestChild.Contracts.ISimple", 0x5eed_0002_c0de_0001UL, new LaneDescriptor[]
            {
                new("Numbers", LaneDirection.OpenerToPeer, "long"),
                new("Echoes", LaneDirection.PeerToOpener, "long"),
                new("Notes", LaneDirection.OpenerToPeer, "string"),
            }))
        {
        }

        protected override ISimple CreateOpener(ChannelLink link) => new OpenerEnd(link);

        protected override ISimple.Peer CreatePeer(ChannelLink link) => new PeerEnd(link);
    }

    private sealed class OpenerEnd : ISimple, IChannelEndpoint
    {
        private readonly ChannelLink _link;

        public OpenerEnd(ChannelLink link)
        {
            _link = link;
            Numbers = link.CreateWriter(0, MemoryPackLaneCodec<long>.Instance);
            Echoes = link.CreateReader(1, MemoryPackLaneCodec<long>.Instance);
            Notes = link.CreateWriter(2, MemoryPackLaneCodec<string>.Instance);
        }

        public ChannelWriter<long> Numbers { get; }

        public ChannelReader<long> Echoes { get; }

        public ChannelWriter<string> Notes { get; }

        ChannelLink IChannelEndpoint.Link => _link;

        public ValueTask DisposeAsync() => _link.DisposeAsync();
    }

    private sealed class PeerEnd : ISimple.Peer, IChannelEndpoint
    {
        private readonly ChannelLink _link;

        public PeerEnd(ChannelLink link)
        {
            _link = link;
            Numbers = link.CreateReader(0, MemoryPackLaneCodec<long>.Instance);
            Echoes = link.CreateWriter(1, MemoryPackLaneCodec<long>.Instance);
            Notes = link.CreateReader(2, MemoryPackLaneCodec<string>.Instance);
        }

        public ChannelReader<long> Numbers { get; }

        public ChannelWriter<long> Echoes { get; }

        public ChannelReader<string> Notes { get; }

        ChannelLink IChannelEndpoint.Link => _link;

        public ValueTask DisposeAsync() => _link.DisposeAsync();
    }
}
