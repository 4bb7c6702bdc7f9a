using System.Diagnostics.Metrics;
using Channels.Queues;

namespace Channels.Diagnostics;

/// <summary>
/// The host side of one hosted queue for the meter: its depth, puts and gets are read from the shared segment when a
/// listener observes them (members put and get straight into the segment, so only its sequence numbers see every
/// operation); redeliveries are counted by the host when it repairs after a member. Registered while the host runs.
/// </summary>
internal sealed class QueueMetrics
{
    private const int SequenceMask = QueueSegmentLayout.SequenceMask;

    // Observation reads the segments under this lock, and a host unregisters under it before unmapping them.
    private static readonly List<QueueMetrics> Live = [];

    private readonly SharedQueueEngine _engine;
    private readonly KeyValuePair<string, object?>[] _tags;
    private int _putSequence;
    private int _getSequence;
    private long _advancedTail;
    private long _gets;
    private long _putBacks;
    private long _reportedPuts;

    private QueueMetrics(SharedQueueEngine engine, string contract, string queue)
    {
        _engine = engine;
        _tags = [new(ChannelsMeter.ContractTag, contract), new(ChannelsMeter.QueueTag, queue)];
        _putSequence = engine.PutSequence;
        _getSequence = engine.GetSequence;
    }

    /// <summary>Starts observing <paramref name="engine"/>, the host's engine of queue <paramref name="queue"/> of <paramref name="contract"/>.</summary>
    public static QueueMetrics Register(SharedQueueEngine engine, string contract, string queue)
    {
        var metrics = new QueueMetrics(engine, contract, queue);
        // Touching the meter creates the observable instruments, so dotnet-counters sees them in a host-only process.
        _ = ChannelsMeter.QueueDepth;
        lock (Live)
            Live.Add(metrics);
        return metrics;
    }

    /// <summary>Stops observing; call before the engine is disposed (its segment unmapped).</summary>
    public void Unregister()
    {
        lock (Live)
            Live.Remove(this);
    }

    /// <summary>Counts <paramref name="count"/> items put back after their taker ended (they advance the put sequence too).</summary>
    public void Redelivered(int count)
    {
        if (count <= 0)
            return;
        lock (Live)
            _putBacks += count;
        if (ChannelsMeter.QueueRedeliveries.Enabled)
            ChannelsMeter.QueueRedeliveries.Add(count, _tags);
    }

    internal static IEnumerable<Measurement<long>> ObserveDepth()
    {
        lock (Live)
        {
            var measurements = new List<Measurement<long>>(Live.Count);
            foreach (QueueMetrics queue in Live)
                measurements.Add(new Measurement<long>(queue._engine.Count, queue._tags));
            return measurements;
        }
    }

    internal static IEnumerable<Measurement<long>> ObservePuts()
    {
        lock (Live)
        {
            var measurements = new List<Measurement<long>>(Live.Count);
            foreach (QueueMetrics queue in Live)
            {
                queue.Advance();
                // A put-back advances the put sequence before the host has counted it: never report less than before.
                queue._reportedPuts = Math.Max(queue._reportedPuts, queue._advancedTail - queue._putBacks);
                measurements.Add(new Measurement<long>(queue._reportedPuts, queue._tags));
            }
            return measurements;
        }
    }

    internal static IEnumerable<Measurement<long>> ObserveGets()
    {
        lock (Live)
        {
            var measurements = new List<Measurement<long>>(Live.Count);
            foreach (QueueMetrics queue in Live)
            {
                queue.Advance();
                measurements.Add(new Measurement<long>(queue._gets, queue._tags));
            }
            return measurements;
        }
    }

    // The segment's sequences are 24 bits and wrap: each observation adds how far they moved since the last one (an
    // observer polls far more often than every 16 million operations).
    private void Advance()
    {
        int put = _engine.PutSequence;
        int get = _engine.GetSequence;
        _advancedTail += (put - _putSequence) & SequenceMask;
        _gets += (get - _getSequence) & SequenceMask;
        _putSequence = put;
        _getSequence = get;
    }
}
