using System.Globalization;
using Channels.TestChild.Queues;
using Xunit;
using static Channels.Runtime.Tests.Queues.QueueTestSupport;

namespace Channels.Runtime.Tests.Queues;

/// <summary>Issue 4, acceptance 1 to 4, with producers and consumers in real child processes.</summary>
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
            return TestChild.Start("queue-seed-getter", endpoint, key, "1500");
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
    public async Task Four_producers_and_four_consumers_move_a_million_items_each_consumed_exactly_once_within_capacity()
    {
        const int Producers = 4, Consumers = 4, Capacity = 1000;
        const long PerProducer = 250_000;
        await using var board = IWorkBoard.Definition(Capacity).Create(UniqueName());
        var (endpoint, key) = Ticket(board);
        var children = new List<TestChild>();
        try
        {
            for (int c = 0; c < Consumers; c++)
                children.Add(TestChild.Start("queue-consume", endpoint, key, Text(Capacity), Text(c), "64", "1"));
            for (int p = 0; p < Producers; p++)
                children.Add(TestChild.Start("queue-produce", endpoint, key, Text(Capacity), Text(p), Text(PerProducer)));

            var seen = new byte[Producers][];
            for (int p = 0; p < Producers; p++) seen[p] = new byte[PerProducer];
            long received = 0;
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            while (received < Producers * PerProducer)
            {
                var result = await board.Results.GetAsync(deadline.Token);
                seen[result.Producer][result.Sequence]++;
                received++;
            }
            for (int p = Consumers; p < children.Count; p++)
                Assert.Equal(0, await children[p].WaitForExitAsync(ChildTimeout));
            await board.Items.JoinAsync().AsTask().WaitAsync(ChildTimeout);
            Assert.False(board.Results.TryGet(out var extra), $"an extra result: {extra}");
            for (int p = 0; p < Producers; p++)
            {
                int index = Array.FindIndex(seen[p], n => n != 1);
                Assert.True(index < 0, $"producer {p} item {index} was consumed {(index < 0 ? 1 : seen[p][index])} times");
            }
            Assert.InRange(Host(board.Items).HighWaterCount, 1, Capacity);

            board.Items.Writer.Complete();
            for (int c = 0; c < Consumers; c++)
                Assert.Equal(0, await children[c].WaitForExitAsync(ChildTimeout));
        }
        finally
        {
            foreach (var child in children) await child.DisposeAsync();
        }
    }

    [Fact]
    public async Task Consumers_killed_at_random_moments_lose_no_item_and_duplicate_only_what_they_had_not_finished()
    {
        const int Producers = 2, Capacity = 1000;
        const long PerProducer = 100_000;
        await using var board = IWorkBoard.Definition(Capacity).Create(UniqueName());
        var (endpoint, key) = Ticket(board);
        var consumers = new Dictionary<int, TestChild>();
        var killed = new HashSet<int>();
        var producers = new List<TestChild>();
        int nextConsumer = 0;
        void StartConsumer()
        {
            int id = nextConsumer++;
            consumers[id] = TestChild.Start("queue-consume", endpoint, key, Text(Capacity), Text(id), "16", "1");
        }
        try
        {
            for (int c = 0; c < 4; c++) StartConsumer();
            for (int p = 0; p < Producers; p++)
                producers.Add(TestChild.Start("queue-produce", endpoint, key, Text(Capacity), Text(p), Text(PerProducer)));

            // Results arrive while consumers are killed: one reader drains them, the test kills.
            var seen = new List<WorkResult>();
            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var collect = Task.Run(async () =>
            {
                await foreach (var result in board.Results.Reader.ReadAllAsync(stop.Token)) seen.Add(result);
            });
            var random = new Random(4);
            await consumers[0].WaitForLinesAsync(l => l.Contains("ready"), 1, ChildTimeout);
            for (int kill = 0; kill < 4; kill++)
            {
                await Task.Delay(random.Next(50, 250));
                int victim = consumers.Keys.Where(id => !killed.Contains(id)).OrderBy(_ => random.Next()).First();
                consumers[victim].Kill();
                killed.Add(victim);
                StartConsumer();
            }
            foreach (var producer in producers) Assert.Equal(0, await producer.WaitForExitAsync(ChildTimeout));
            await board.Items.JoinAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(2));
            board.Results.Writer.Complete();
            await collect.WaitAsync(ChildTimeout);

            var count = new Dictionary<(int, long), List<int>>();
            foreach (var result in seen)
            {
                if (!count.TryGetValue((result.Producer, result.Sequence), out var by)) count[(result.Producer, result.Sequence)] = by = [];
                by.Add(result.Consumer);
            }
            for (int p = 0; p < Producers; p++)
                for (long s = 0; s < PerProducer; s++)
                    Assert.True(count.ContainsKey((p, s)), $"item {p}/{s} was never processed");
            int duplicates = 0;
            foreach (var ((producer, sequence), by) in count)
            {
                if (by.Count == 1) continue;
                duplicates += by.Count - 1;
                Assert.True(by.Take(by.Count - 1).All(killed.Contains),
                    $"item {producer}/{sequence} was processed by consumers {string.Join(", ", by)}; only killed ones ({string.Join(", ", killed)}) may leave it unfinished");
            }
            // Each killed consumer can leave at most what it held: its prefetch plus the item in hand.
            Assert.InRange(duplicates, 0, killed.Count * (16 + 1));
            Assert.Equal(Producers * PerProducer + duplicates, seen.Count);

            board.Items.Writer.Complete();
            foreach (var (id, consumer) in consumers)
                if (!killed.Contains(id)) Assert.Equal(0, await consumer.WaitForExitAsync(ChildTimeout));
        }
        finally
        {
            foreach (var child in consumers.Values) await child.DisposeAsync();
            foreach (var child in producers) await child.DisposeAsync();
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
        await using var consumer = TestChild.Start("queue-consume", endpoint, key, Text(Capacity), "0", "1", "0");
        await join.WaitAsync(ChildTimeout);
        Assert.Equal(0, board.Items.Count);
        board.Items.Writer.Complete();
        Assert.Equal(0, await consumer.WaitForExitAsync(ChildTimeout));
        Assert.Contains($"consumer 0 processed {Capacity}", consumer.Lines);
    }
}
