using Channels.Contracts;

namespace Channels.TestChild.Queues;

/// <summary>The seed's queue (<c>multiprocessing.Queue(2)</c> of floats), written by hand as the generator emits <c>[Queue(Capacity = 2)] ProcessQueue&lt;double&gt; Values</c>.</summary>
public interface ISeedBoard : IAsyncDisposable
{
    /// <summary>The values.</summary>
    ProcessQueue<double> Values { get; }

    /// <summary>The contract.</summary>
    static QueueContract<ISeedBoard> Definition { get; } = new SeedBoardDefinition();

    private sealed class SeedBoardDefinition() : QueueContract<ISeedBoard>(new ContractDescriptor(
        "Channels.TestChild.Queues.ISeedBoard",
        TestFingerprint.Of("Values|queue|2|double"),
        [new LaneDescriptor("Values", LaneDirection.OpenerToPeer, "double") { QueueCapacity = 2 }]))
    {
        protected override ISeedBoard CreateEndpoint(QueueSession session) => new Endpoint(session);
    }

    private sealed class Endpoint(QueueSession session) : ISeedBoard, IQueueEndpoint
    {
        public ProcessQueue<double> Values { get; } = session.GetQueue(0, DoubleCodec.Instance);
        public QueueSession Session => session;
        public ValueTask DisposeAsync() => session.DisposeAsync();
    }
}
