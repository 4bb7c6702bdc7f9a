using Channels.TestChild.Chaos;
using Xunit;

namespace Channels.Runtime.Tests.Chaos;

/// <summary>
/// The queue chaos trials' delivery check catches what it must: a loss, a duplicate where none is promised, an item
/// never put, reports out of order; and lets through exactly what the semantics allow a killed consumer.
/// </summary>
public sealed class QueueDeliveryCheckTests
{
    // Ten puts returned; the consumer reported 0..3 (so it may have held 4, got and not reported, or 3, reported and not settled).
    private const long Produced = 10;
    private static List<long> Reports() => [0, 1, 2, 3];

    [Fact]
    public void Everything_once_passes_in_both_modes()
    {
        Assert.Null(QueueDeliveryCheck.Check(redeliver: false, Produced, Reports(), [4, 5, 6, 7, 8, 9]).Violation);
        Assert.Null(QueueDeliveryCheck.Check(redeliver: true, Produced, Reports(), [4, 5, 6, 7, 8, 9]).Violation);
    }

    [Fact]
    public void A_plain_queue_may_lose_only_the_item_the_consumer_got_and_had_not_reported()
    {
        var allowed = QueueDeliveryCheck.Check(redeliver: false, Produced, Reports(), [5, 6, 7, 8, 9]);
        Assert.Null(allowed.Violation);
        Assert.Equal(1, allowed.Dropped);

        Assert.StartsWith("loss", QueueDeliveryCheck.Check(redeliver: false, Produced, Reports(), [4, 5, 6, 8, 9]).Violation);
        Assert.StartsWith("loss", QueueDeliveryCheck.Check(redeliver: false, Produced, Reports(), [6, 7, 8, 9]).Violation);
    }

    [Fact]
    public void A_plain_queue_never_delivers_twice()
        => Assert.StartsWith("duplicates", QueueDeliveryCheck.Check(redeliver: false, Produced, Reports(), [4, 5, 6, 7, 8, 9, 3]).Violation);

    [Fact]
    public void A_redelivery_queue_may_repeat_only_the_item_the_consumer_reported_and_had_not_settled()
    {
        var allowed = QueueDeliveryCheck.Check(redeliver: true, Produced, Reports(), [4, 5, 6, 7, 8, 9, 3]);
        Assert.Null(allowed.Violation);
        Assert.Equal(1, allowed.Duplicates);

        Assert.StartsWith("duplicates", QueueDeliveryCheck.Check(redeliver: true, Produced, Reports(), [4, 5, 6, 7, 8, 9, 2]).Violation);
        Assert.StartsWith("duplicates", QueueDeliveryCheck.Check(redeliver: true, Produced, Reports(), [4, 5, 6, 7, 8, 9, 3, 9]).Violation);
    }

    [Fact]
    public void A_redelivery_queue_loses_nothing()
        => Assert.StartsWith("loss", QueueDeliveryCheck.Check(redeliver: true, Produced, Reports(), [5, 6, 7, 8, 9]).Violation);

    [Fact]
    public void Items_never_put_and_reports_out_of_order_are_violations()
    {
        Assert.Contains("only 10 puts returned", QueueDeliveryCheck.Check(redeliver: false, Produced, Reports(), [4, 5, 6, 7, 8, 9, 10]).Violation);
        Assert.Contains("not in order", QueueDeliveryCheck.Check(redeliver: false, Produced, [0, 2, 1, 3], [4, 5, 6, 7, 8, 9]).Violation);
    }
}
