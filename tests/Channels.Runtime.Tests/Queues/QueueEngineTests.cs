using System.Diagnostics;
using System.Threading.Channels;
using Channels.TestChild.Queues;
using Xunit;
using static Channels.Runtime.Tests.Queues.QueueTestSupport;

namespace Channels.Runtime.Tests.Queues;

/// <summary>The queue engine as the hosting process uses it: ordering, capacity, waiting, timeouts, TaskDone/Join, closing.</summary>
public sealed class QueueEngineTests
{
    [Fact]
    public async Task Items_come_out_in_the_order_they_went_in()
    {
        await using var board = IWorkBoard.Definition(0).Create(UniqueName());
        for (int i = 0; i < 100; i++) board.Items.Put(new WorkItem(1, i));
        Assert.Equal(100, board.Items.Count);
        for (int i = 0; i < 100; i++) Assert.Equal(i, board.Items.Get().Sequence);
        Assert.False(board.Items.TryGet(out _));
    }

    [Fact]
    public async Task A_full_queue_refuses_TryPut_and_a_Put_waits_until_a_Get_makes_room()
    {
        await using var board = ISeedBoard.Definition.Create(UniqueName());
        Assert.Equal(2, board.Values.Capacity);
        Assert.True(board.Values.TryPut(1));
        Assert.True(board.Values.TryPut(2));
        Assert.False(board.Values.TryPut(3));

        var blocked = board.Values.PutAsync(3).AsTask();
        await Task.Delay(100);
        Assert.False(blocked.IsCompleted);
        Assert.Equal(1, board.Values.Get());
        await blocked.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(2, board.Values.Count);
        Assert.Equal(2, board.Values.Get());
        Assert.Equal(3, board.Values.Get());
    }

    [Fact]
    public async Task Get_on_an_empty_queue_throws_QueueEmptyException_after_about_the_timeout()
    {
        await using var board = ISeedBoard.Definition.Create(UniqueName());
        var clock = Stopwatch.StartNew();
        Assert.Throws<QueueEmptyException>(() => board.Values.Get(TimeSpan.FromMilliseconds(200)));
        Assert.InRange(clock.ElapsedMilliseconds, 180, 5000);
        clock.Restart();
        await Assert.ThrowsAsync<QueueEmptyException>(async () => await board.Values.GetAsync(TimeSpan.FromMilliseconds(200)));
        Assert.InRange(clock.ElapsedMilliseconds, 180, 5000);
        Assert.Throws<QueueEmptyException>(() => board.Values.Get(TimeSpan.Zero));
    }

    [Fact]
    public async Task Put_on_a_full_queue_throws_QueueFullException_after_about_the_timeout_and_does_not_put()
    {
        await using var board = ISeedBoard.Definition.Create(UniqueName());
        board.Values.Put(1);
        board.Values.Put(2);
        var clock = Stopwatch.StartNew();
        Assert.Throws<QueueFullException>(() => board.Values.Put(3, TimeSpan.FromMilliseconds(200)));
        Assert.InRange(clock.ElapsedMilliseconds, 180, 5000);
        await Assert.ThrowsAsync<QueueFullException>(async () => await board.Values.PutAsync(3, TimeSpan.FromMilliseconds(50)));
        Assert.Equal(2, board.Values.Count);
        Assert.Equal(1, board.Values.Get());
        Assert.Equal(2, board.Values.Get());
        Assert.False(board.Values.TryGet(out _));
    }

    [Fact]
    public async Task A_cancelled_Get_takes_nothing_and_a_cancelled_Put_puts_nothing()
    {
        await using var board = ISeedBoard.Definition.Create(UniqueName());
        using var cts = new CancellationTokenSource(100);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await board.Values.GetAsync(cts.Token));
        board.Values.Put(1);
        Assert.Equal(1, board.Values.Get());

        board.Values.Put(1);
        board.Values.Put(2);
        using var cts2 = new CancellationTokenSource(100);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await board.Values.PutAsync(3, cts2.Token));
        Assert.Equal(1, board.Values.Get());
        Assert.Equal(2, board.Values.Get());
        Assert.False(board.Values.TryGet(out _));
    }

    [Fact]
    public async Task TaskDone_more_often_than_items_got_throws_InvalidOperationException()
    {
        await using var board = ISeedBoard.Definition.Create(UniqueName());
        Assert.Throws<InvalidOperationException>(() => board.Values.TaskDone());
        board.Values.Put(1);
        board.Values.Get();
        board.Values.TaskDone();
        var error = Assert.Throws<InvalidOperationException>(() => board.Values.TaskDone());
        Assert.Contains("ISeedBoard.Values", error.Message);
    }

    [Fact]
    public async Task Join_returns_once_every_item_put_has_had_TaskDone()
    {
        await using var board = IWorkBoard.Definition(10).Create(UniqueName());
        await board.Items.JoinAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        for (int i = 0; i < 3; i++) board.Items.Put(new WorkItem(0, i));
        var join = board.Items.JoinAsync().AsTask();
        for (int i = 0; i < 3; i++) board.Items.Get();
        board.Items.TaskDone();
        board.Items.TaskDone();
        await Task.Delay(100);
        Assert.False(join.IsCompleted);
        board.Items.TaskDone();
        await join.WaitAsync(TimeSpan.FromSeconds(5));
        var syncJoin = Task.Run(() => board.Items.Join());
        await syncJoin.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Writer_and_Reader_are_channel_endpoints_and_completing_ends_readers_after_the_queue_drains()
    {
        await using var board = IWorkBoard.Definition(4).Create(UniqueName());
        ChannelWriter<WorkItem> writer = board.Items.Writer;
        ChannelReader<WorkItem> reader = board.Items.Reader;
        var produce = Task.Run(async () =>
        {
            for (int i = 0; i < 50; i++) await writer.WriteAsync(new WorkItem(0, i));
            writer.Complete();
        });
        var got = new List<long>();
        await foreach (var item in reader.ReadAllAsync().WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token))
            got.Add(item.Sequence);
        await produce;
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), got);
        await reader.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(writer.TryWrite(new WorkItem(0, 99)));
        await Assert.ThrowsAsync<ChannelClosedException>(async () => await writer.WriteAsync(new WorkItem(0, 99)));
        Assert.Throws<ChannelClosedException>(() => board.Items.Get(TimeSpan.FromSeconds(5)));
        Assert.False(await writer.WaitToWriteAsync());
    }

    [Fact]
    public async Task Closing_fails_waiting_putters_but_lets_getters_drain_what_is_there()
    {
        await using var board = ISeedBoard.Definition.Create(UniqueName());
        board.Values.Put(1);
        board.Values.Put(2);
        var waitingPut = board.Values.PutAsync(3).AsTask();
        board.Values.Writer.Complete();
        await Assert.ThrowsAsync<ChannelClosedException>(() => waitingPut.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, board.Values.Get());
        Assert.Equal(2, board.Values.Get());
        await Assert.ThrowsAsync<ChannelClosedException>(async () => await board.Values.GetAsync());
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Disposing_the_host_fails_its_waiters_and_removes_the_socket_and_key_files()
    {
        string name = UniqueName();
        var board = ISeedBoard.Definition.Create(name);
        var (endpoint, _) = Ticket(board);
        string socket = endpoint["unix:".Length..];
        Assert.True(File.Exists(socket));
        Assert.True(File.Exists(Path.ChangeExtension(socket, ".key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.ChangeExtension(socket, ".key")));
        var waiting = board.Values.GetAsync().AsTask();
        await board.DisposeAsync();
        await Assert.ThrowsAnyAsync<ObjectDisposedException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(File.Exists(socket));
        Assert.False(File.Exists(Path.ChangeExtension(socket, ".key")));
    }
}
