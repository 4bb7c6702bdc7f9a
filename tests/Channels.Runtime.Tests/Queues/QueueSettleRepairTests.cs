using Channels.Queues;
using Xunit;
using static Channels.Queues.SharedQueueEngine;

namespace Channels.Runtime.Tests.Queues;

/// <summary>
/// A consumer killed inside TaskDone (found by the chaos long run: a redelivery queue whose consumer was SIGKILLed
/// there never completed Join again). TaskDone changes the member's got count, its held ring and the done counter;
/// killed between the last two, the item was neither held (so never put back) nor counted done, and Join waited
/// forever. The host's repair now undoes a TaskDone that did not count its item, and keeps one that did.
/// </summary>
public sealed class QueueSettleRepairTests
{
    private const int MemberSlot = 1;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_consumer_killed_inside_TaskDone_before_counting_leaves_its_item_unsettled_and_Join_still_completes(bool redeliver)
    {
        using var queue = new EnginePair(redeliver);
        queue.Member.TaskDoneKilledAt(SettleStop.BeforeCountingDone);

        queue.Host.Repair(MemberSlot);

        if (redeliver)
        {
            // Not settled: delivered again, once; settling it completes the work.
            Assert.Equal(1, queue.Host.Unfinished);
            Assert.Equal(1, queue.Host.Count);
            byte[] buffer = new byte[16];
            Assert.True(queue.Host.TryGet(ref buffer, out int length));
            Assert.Equal(EnginePair.Item, buffer[..length]);
            queue.Host.TaskDone();
        }
        Assert.Equal(0, queue.Host.Count);
        Assert.Equal(0, queue.Host.Unfinished);
        AssertTheLockIsFree(queue);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_consumer_killed_inside_TaskDone_after_counting_has_settled_its_item_exactly_once(bool redeliver)
    {
        using var queue = new EnginePair(redeliver);
        queue.Member.TaskDoneKilledAt(SettleStop.AfterCountingDone);

        queue.Host.Repair(MemberSlot);

        Assert.Equal(0, queue.Host.Count);
        Assert.Equal(0, queue.Host.Unfinished);
        AssertTheLockIsFree(queue);
    }

    private static void AssertTheLockIsFree(EnginePair queue)
    {
        Assert.True(queue.Host.TryPut(EnginePair.Item));
        Assert.Equal(1, queue.Host.Unfinished);
    }

    /// <summary>A host engine and a member engine (slot 1) of one segment, the member holding one item it got.</summary>
    private sealed class EnginePair : IDisposable
    {
        public static readonly byte[] Item = [1, 2, 3, 4, 5];

        private readonly string _directory = Directory.CreateTempSubdirectory("chn-settle-").FullName;

        public EnginePair(bool redeliver)
        {
            Host = CreateHost(_directory, "q", "ITest.Items", 8, redeliver, 65536, 7);
            Member = OpenMember(Host.SegmentPath, MemberSlot, "ITest.Items", 8, redeliver, 7);
            Assert.True(Host.TryPut(Item));
            byte[] buffer = new byte[16];
            Assert.True(Member.TryGet(ref buffer, out _));
            Assert.Equal(1, Host.Unfinished);
        }

        public SharedQueueEngine Host { get; }

        public SharedQueueEngine Member { get; }

        public void Dispose()
        {
            Member.Dispose();
            Host.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }
}
