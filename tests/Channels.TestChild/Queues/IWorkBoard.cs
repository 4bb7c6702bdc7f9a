using Channels.Contracts;

namespace Channels.TestChild.Queues;

/// <summary>
/// A two-lane queue contract written by hand the way the generator emits one (GENERATED_SHAPE.md):
/// <c>[Queue(Capacity = n)] ProcessQueue&lt;WorkItem&gt; Items</c> and an unbounded <c>ProcessQueue&lt;WorkResult&gt; Results</c>.
/// The capacity is a parameter here so that tests can build the mismatching variants a changed contract would give.
/// </summary>
public interface IWorkBoard : IAsyncDisposable
{
    /// <summary>Work to do.</summary>
    ProcessQueue<WorkItem> Items { get; }

    /// <summary>What consumers report, one result per processed item.</summary>
    ProcessQueue<WorkResult> Results { get; }

    /// <summary>The contract with <paramref name="capacity"/> for <see cref="Items"/>, redelivering its items when <paramref name="redeliver"/>.</summary>
    static QueueContract<IWorkBoard> Definition(int capacity, bool redeliver = false) => new WorkBoardDefinition(capacity, redeliver);

    private sealed class WorkBoardDefinition(int capacity, bool redeliver) : QueueContract<IWorkBoard>(new ContractDescriptor(
        "Channels.TestChild.Queues.IWorkBoard",
        TestFingerprint.Of($"Items|queue|{capacity}|{(redeliver ? "redeliver|" : "")}WorkItem(int,long);Results|queue|0|WorkResult(int,int,long)"),
        [
            new LaneDescriptor("Items", LaneDirection.OpenerToPeer, "global::Channels.TestChild.Queues.WorkItem") { QueueCapacity = capacity, QueueRedeliver = redeliver },
            new LaneDescriptor("Results", LaneDirection.OpenerToPeer, "global::Channels.TestChild.Queues.WorkResult"),
        ]))
    {
        protected override IWorkBoard CreateEndpoint(QueueSession session) => new Endpoint(session);
    }

    private sealed class Endpoint(QueueSession session) : IWorkBoard, IQueueEndpoint
    {
        public ProcessQueue<WorkItem> Items { get; } = session.GetQueue(0, WorkItemCodec.Instance);
        public ProcessQueue<WorkResult> Results { get; } = session.GetQueue(1, WorkResultCodec.Instance);
        public QueueSession Session => session;
        public ValueTask DisposeAsync() => session.DisposeAsync();
    }
}
