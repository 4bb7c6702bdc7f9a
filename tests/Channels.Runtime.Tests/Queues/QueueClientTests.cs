using System.Threading.Channels;
using Channels.TestChild.Queues;
using Xunit;
using static Channels.Runtime.Tests.Queues.QueueTestSupport;

namespace Channels.Runtime.Tests.Queues;

/// <summary>
/// A client session over a real Unix socket against a host in this process: what the host process and an opening
/// process see of each other (items both ways, shared capacity, redelivery, Join, closing, host loss).
/// </summary>
public sealed class QueueClientTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Items_flow_from_a_client_to_the_host_and_from_the_host_to_a_client_in_order()
    {
        string name = UniqueName();
        await using var host = IWorkBoard.Definition(128).Create(name);
        await using var client = await IWorkBoard.Definition(128).OpenAsync(name);
        for (int i = 0; i < 100; i++) await client.Items.PutAsync(new WorkItem(1, i)).AsTask().WaitAsync(Wait);
        for (int i = 0; i < 100; i++) Assert.Equal(i, (await host.Items.GetAsync().AsTask().WaitAsync(Wait)).Sequence);
        for (int i = 0; i < 100; i++) await host.Items.PutAsync(new WorkItem(2, i)).AsTask().WaitAsync(Wait);
        for (int i = 0; i < 100; i++) Assert.Equal(new WorkItem(2, i), client.Items.Get(Wait));
    }

    [Fact]
    public async Task Capacity_holds_for_host_and_client_together_and_a_client_Put_times_out_on_a_full_queue()
    {
        string name = UniqueName();
        await using var host = ISeedBoard.Definition.Create(name);
        await using var client = await ISeedBoard.Definition.OpenAsync(name);
        host.Values.Put(1);
        client.Values.Put(2, Wait);
        Assert.Equal(2, client.Values.Count);
        Assert.Equal(2, host.Values.Count);
        Assert.False(host.Values.TryPut(3));
        Assert.Throws<QueueFullException>(() => client.Values.Put(3, TimeSpan.FromMilliseconds(200)));
        var waiting = client.Values.PutAsync(3).AsTask();
        Assert.Equal(1, host.Values.Get());
        await waiting.WaitAsync(Wait);
        Assert.Equal(2, host.Values.Get());
        Assert.Equal(3, host.Values.Get(Wait));
    }

    [Fact]
    public async Task A_client_Get_times_out_with_QueueEmptyException()
    {
        string name = UniqueName();
        await using var host = ISeedBoard.Definition.Create(name);
        await using var client = await ISeedBoard.Definition.OpenAsync(name);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Throws<QueueEmptyException>(() => client.Values.Get(TimeSpan.FromMilliseconds(200)));
        Assert.InRange(clock.ElapsedMilliseconds, 180, 5000);
    }

    [Fact]
    public async Task In_a_redelivery_queue_items_a_member_got_but_did_not_settle_are_put_back_when_it_leaves()
    {
        string name = UniqueName();
        await using var host = IWorkBoard.Definition(100, redeliver: true).Create(name);
        var first = await IWorkBoard.Definition(100, redeliver: true).OpenAsync(name);
        for (int i = 0; i < 10; i++) host.Items.Put(new WorkItem(0, i));
        Assert.Equal(0, first.Items.Get(Wait).Sequence);
        first.Items.TaskDone();
        Assert.Equal(1, first.Items.Get(Wait).Sequence);
        Assert.Equal(2, first.Items.Get(Wait).Sequence);
        first.Items.TaskDone();
        // 0 and 1 are settled; 2 was got without TaskDone. Nothing else left the queue: no prefetching.
        Assert.Equal(7, host.Items.Count);
        await first.DisposeAsync();
        await WaitForNoMembersAsync(host);

        await using var second = await IWorkBoard.Definition(100, redeliver: true).OpenAsync(name);
        var got = new List<long>();
        for (int i = 0; i < 8; i++)
        {
            got.Add(second.Items.Get(Wait).Sequence);
            second.Items.TaskDone();
        }
        got.Sort();
        Assert.Equal([2, 3, 4, 5, 6, 7, 8, 9], got);
        Assert.False(second.Items.TryGet(out _));
        await host.Items.JoinAsync().AsTask().WaitAsync(Wait);
    }

    [Fact]
    public async Task In_a_plain_queue_an_item_is_gone_once_got_and_a_member_that_leaves_without_TaskDone_does_not_block_Join()
    {
        string name = UniqueName();
        await using var host = IWorkBoard.Definition(100).Create(name);
        var first = await IWorkBoard.Definition(100).OpenAsync(name);
        for (int i = 0; i < 6; i++) host.Items.Put(new WorkItem(0, i));
        Assert.Equal(0, first.Items.Get(Wait).Sequence);
        Assert.Equal(1, first.Items.Get(Wait).Sequence);
        Assert.Equal(4, host.Items.Count);
        await first.DisposeAsync();
        await WaitForNoMembersAsync(host);

        await using var second = await IWorkBoard.Definition(100).OpenAsync(name);
        var got = new List<long>();
        for (int i = 0; i < 4; i++)
        {
            got.Add(second.Items.Get(Wait).Sequence);
            second.Items.TaskDone();
        }
        Assert.Equal([2, 3, 4, 5], got);
        Assert.False(second.Items.TryGet(out _));
        await host.Items.JoinAsync().AsTask().WaitAsync(Wait);
    }

    [Fact]
    public async Task A_client_Join_waits_for_TaskDone_in_other_processes_and_TaskDone_is_checked_per_process()
    {
        string name = UniqueName();
        await using var host = IWorkBoard.Definition(100).Create(name);
        await using var client = await IWorkBoard.Definition(100).OpenAsync(name);
        Assert.Throws<InvalidOperationException>(() => client.Items.TaskDone());
        host.Items.Put(new WorkItem(0, 0));
        host.Items.Put(new WorkItem(0, 1));
        var join = client.Items.JoinAsync().AsTask();
        host.Items.Get();
        host.Items.TaskDone();
        client.Items.Get(Wait);
        await Task.Delay(100);
        Assert.False(join.IsCompleted);
        client.Items.TaskDone();
        await join.WaitAsync(Wait);
        Assert.Throws<InvalidOperationException>(() => client.Items.TaskDone());
    }

    [Fact]
    public async Task Completing_in_any_process_ends_ReadAllAsync_everywhere_after_the_queue_drains()
    {
        string name = UniqueName();
        await using var host = IWorkBoard.Definition(8).Create(name);
        await using var client = await IWorkBoard.Definition(8).OpenAsync(name);
        var read = Task.Run(async () =>
        {
            long sum = 0;
            await foreach (var item in client.Items.Reader.ReadAllAsync()) sum += item.Sequence;
            return sum;
        });
        for (int i = 0; i < 20; i++) await host.Items.Writer.WriteAsync(new WorkItem(0, i));
        host.Items.Writer.Complete();
        Assert.Equal(190, await read.WaitAsync(Wait));
        await client.Items.Reader.Completion.WaitAsync(Wait);
        await Assert.ThrowsAsync<ChannelClosedException>(async () => await client.Items.PutAsync(new WorkItem(0, 0)));
    }

    [Fact]
    public async Task A_client_can_close_the_queue_for_the_host()
    {
        string name = UniqueName();
        await using var host = IWorkBoard.Definition(8).Create(name);
        await using var client = await IWorkBoard.Definition(8).OpenAsync(name);
        await client.Items.PutAsync(new WorkItem(0, 7));
        Assert.True(client.Items.Writer.TryComplete());
        Assert.Equal(7, host.Items.Get(Wait).Sequence);
        await host.Items.Completion.WaitAsync(Wait);
        Assert.Throws<ChannelClosedException>(() => host.Items.Put(new WorkItem(0, 8)));
    }

    [Fact]
    public async Task When_the_host_goes_away_client_operations_end_with_PeerLostException()
    {
        string name = UniqueName();
        var host = ISeedBoard.Definition.Create(name);
        await using var client = await ISeedBoard.Definition.OpenAsync(name);
        var waiting = client.Values.GetAsync().AsTask();
        await Task.Delay(100);
        await host.DisposeAsync();
        await Assert.ThrowsAsync<PeerLostException>(() => waiting.WaitAsync(Wait));
        Assert.Throws<PeerLostException>(() => client.Values.Put(1.0));
    }

    [Fact]
    public async Task A_child_ticket_opens_the_same_queues_by_explicit_path_and_key()
    {
        string name = UniqueName();
        await using var host = ISeedBoard.Definition.Create(name);
        var (endpoint, key) = Ticket(host);
        Assert.StartsWith("unix:/", endpoint);
        await using var client = await ISeedBoard.Definition.OpenAsync(endpoint, new ChannelOptions { Key = Convert.FromBase64String(key) });
        client.Values.Put(0.5, Wait);
        Assert.Equal(0.5, host.Values.Get(Wait));
        var (clientEndpoint, clientKey) = Ticket(client);
        Assert.Equal(endpoint, clientEndpoint);
        Assert.Equal(key, clientKey);
    }
}
