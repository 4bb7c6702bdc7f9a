using System.Globalization;
using Channels.TestChild.Queues;
using Xunit;
using static Channels.Runtime.Tests.Queues.QueueTestSupport;

namespace Channels.Runtime.Tests.Queues;

/// <summary>Python's semantics across real processes: the seed example, the sentinel idiom, timeouts and Join (issue 10, acceptance 1 and 2).</summary>
public sealed class QueueProcessTests
{
    [Fact]
    public async Task Seed_example_five_values_put_by_one_child_are_got_in_order_by_another_and_the_putter_blocks_while_full()
    {
        await using var board = ISeedBoard.Definition.Create(UniqueName());
        var (endpoint, key) = Ticket(board);
        await using var putter = TestChild.Start("queue-seed-putter", endpoint, key, "5");
        await using var getter = await Blocked();

        async Task<TestChild> Blocked()
        {
            // No getter yet: the putter puts two values and then waits for room, with the queue full.
            await putter.WaitForLinesAsync(l => l.Contains("put value"), 2, ChildTimeout);
            await Task.Delay(700);
            Assert.Equal(2, putter.Lines.Count(l => l.Contains("put value")));
            Assert.False(putter.HasExited, putter.Output);
            Assert.Equal(2, board.Values.Count);
            return TestChild.Start("queue-seed-getter", endpoint, key, "1500", "1");
        }

        Assert.Equal(0, await putter.WaitForExitAsync(ChildTimeout));
        Assert.Equal(0, await getter.WaitForExitAsync(ChildTimeout));
        string[] put = [.. putter.Lines.Where(l => l.Contains("put value")).Select(l => l[(l.LastIndexOf(' ') + 1)..])];
        string[] got = [.. getter.Lines.Where(l => l.Contains("get value")).Select(l => l[(l.LastIndexOf(' ') + 1)..])];
        Assert.Equal(["0.100000", "0.200000", "0.300000", "0.400000", "0.500000"], put);
        Assert.Equal(put, got);
        Assert.StartsWith("subprocess getter : ", getter.Lines[0]);
        await board.Values.JoinAsync().AsTask().WaitAsync(ChildTimeout);
    }

    [Fact]
    public async Task Seed_example_with_a_getter_that_never_calls_TaskDone_gets_each_value_once_and_leaves_the_queue_empty()
    {
        await using var board = ISeedBoard.Definition.Create(UniqueName());
        var (endpoint, key) = Ticket(board);
        await using (var putter = TestChild.Start("queue-seed-putter", endpoint, key, "5"))
        await using (var getter = TestChild.Start("queue-seed-getter", endpoint, key, "1000", "0"))
        {
            Assert.Equal(0, await putter.WaitForExitAsync(ChildTimeout));
            Assert.Equal(0, await getter.WaitForExitAsync(ChildTimeout));
            string[] got = [.. getter.Lines.Where(l => l.Contains("get value")).Select(l => l[(l.LastIndexOf(' ') + 1)..])];
            Assert.Equal(["0.100000", "0.200000", "0.300000", "0.400000", "0.500000"], got);
        }
        await WaitForNoMembersAsync(board);
        // The getter ended without TaskDone: nothing comes back (a plain queue), the queue is empty.
        Assert.Equal(0, board.Values.Count);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Throws<QueueEmptyException>(() => board.Values.Get(TimeSpan.FromMilliseconds(300)));
        Assert.InRange(clock.ElapsedMilliseconds, 290, 10_000);
        Assert.False(board.Values.TryGet(out _));
    }

    [Fact]
    public async Task Sentinel_idiom_four_producers_four_consumer_processes_three_rounds_deliver_each_item_exactly_once_within_its_round()
    {
        const int Producers = 4, Consumers = 4, Capacity = 1000;
        const int PerProducer = 50_000; // 200,000 items a round
        await using var board = IWorkBoard.Definition(Capacity).Create(UniqueName());
        var (endpoint, key) = Ticket(board);
        string directory = Directory.CreateTempSubdirectory("chn-sentinel-").FullName;
        try
        {
            for (int round = 0; round < 3; round++)
            {
                var children = new List<TestChild>();
                try
                {
                    var tallies = new List<string>();
                    for (int c = 0; c < Consumers; c++)
                    {
                        string tally = Path.Combine(directory, $"r{round}c{c}");
                        tallies.Add(tally);
                        children.Add(TestChild.Start("queue-sentinel-consume", endpoint, key, Text(Capacity), Text(c), Text(Producers), Text(PerProducer), tally));
                    }
                    for (int p = 0; p < Producers; p++)
                        children.Add(TestChild.Start("queue-produce", endpoint, key, Text(Capacity), "0", Text(p), Text(PerProducer), Text(Consumers), "0"));
                    foreach (var child in children)
                        Assert.True(await child.WaitForExitAsync(TimeSpan.FromMinutes(2)) == 0, child.Output);

                    var total = new int[Producers * PerProducer];
                    foreach (string tally in tallies)
                    {
                        byte[] counts = await File.ReadAllBytesAsync(tally);
                        for (int i = 0; i < counts.Length; i++) total[i] += counts[i];
                    }
                    for (int i = 0; i < total.Length; i++)
                        Assert.True(total[i] == 1, $"round {round}: item {i / PerProducer}/{i % PerProducer} was delivered {total[i]} times");
                    foreach (var consumer in children.Take(Consumers))
                        Assert.Contains(consumer.Lines, l => l.EndsWith(" strangers 0", StringComparison.Ordinal));
                    // Nothing of this round is left for the next one.
                    Assert.Equal(0, board.Items.Count);
                }
                finally
                {
                    foreach (var child in children) await child.DisposeAsync();
                }
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Timeouts_across_processes_Get_empty_and_Put_full_and_Join_waits_for_a_consumer_process()
    {
        const int Capacity = 4;
        await using var board = IWorkBoard.Definition(Capacity).Create(UniqueName());
        var (endpoint, key) = Ticket(board);
        await using (var timeouts = TestChild.Start("queue-timeouts", endpoint, key, Text(Capacity), "300"))
        {
            Assert.Equal(0, await timeouts.WaitForExitAsync(ChildTimeout));
            string empty = timeouts.Lines.Single(l => l.StartsWith("empty after", StringComparison.Ordinal));
            Assert.InRange(int.Parse(empty.Split(' ')[2], CultureInfo.InvariantCulture), 280, 10_000);
            string full = timeouts.Lines.Single(l => l.StartsWith("full after", StringComparison.Ordinal));
            Assert.StartsWith($"full after {Capacity} puts", full);
            Assert.InRange(int.Parse(full.Split(' ')[5], CultureInfo.InvariantCulture), 280, 10_000);
        }
        // The child's items stay in the queue (it put them; nobody got them): Join waits for a consumer.
        Assert.Equal(Capacity, board.Items.Count);
        var join = board.Items.JoinAsync().AsTask();
        await Task.Delay(300);
        Assert.False(join.IsCompleted);
        await using var consumer = TestChild.Start("queue-consume", endpoint, key, Text(Capacity), "0", "0", "0");
        await join.WaitAsync(ChildTimeout);
        Assert.Equal(0, board.Items.Count);
        board.Items.Writer.Complete();
        Assert.Equal(0, await consumer.WaitForExitAsync(ChildTimeout));
        Assert.Contains($"consumer 0 processed {Capacity}", consumer.Lines);
    }
}
