using Channels.Contracts;

namespace Channels.TestChild.Queues;

/// <summary>
/// <see cref="IWorkBoard"/> as it would look had its item type been changed to <see cref="long"/>: the same name,
/// another fingerprint. Opening an <see cref="IWorkBoard"/> host with it must fail with <see cref="ContractMismatchException"/>.
/// </summary>
public interface ILongBoard : IAsyncDisposable
{
    /// <summary>Work to do, as numbers.</summary>
    ProcessQueue<long> Items { get; }

    /// <summary>The contract.</summary>
    static QueueContract<ILongBoard> Definition(int capacity) => new LongBoardDefinition(capacity);

    private sealed class LongBoardDefinition(int capacity) : QueueContract<ILongBoard>(new ContractDescriptor(
        "Channels.TestChild.Queues.IWorkBoard",
        TestFingerprint.Of($"Items|queue|{capacity}|long;Results|queue|0|WorkResult(int,int,long)"),
        [new LaneDescriptor("Items", LaneDirection.OpenerToPeer, "long") { QueueCapacity = capacity }]))
    {
        protected override ILongBoard CreateEndpoint(QueueSession session) => new Endpoint(session);
    }

    private sealed class Endpoint(QueueSession session) : ILongBoard, IQueueEndpoint
    {
        public ProcessQueue<long> Items { get; } = session.GetQueue(0, LongCodec.Instance);
        public QueueSession Session => session;
        public ValueTask DisposeAsync() => session.DisposeAsync();
    }
}
