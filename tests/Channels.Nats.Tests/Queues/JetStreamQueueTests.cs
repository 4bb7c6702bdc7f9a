using System.Diagnostics;
using Channels.Nats.Peer;
using Channels.Nats.Queues;
using Channels.Nats.Tests.Infrastructure;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Channels.Nats.Tests.Queues;

/// <summary>ProcessQueue semantics on JetStream, against one server.</summary>
public sealed class JetStreamQueueTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    private string Endpoint(string name) => $"{fixture.Server.Url}/{name}";

    private static ChannelOptions Options() => new() { Transport = new NatsTransportOptions { AckWait = TimeSpan.FromSeconds(30) } };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Items_come_out_in_order_once_and_Join_waits_for_TaskDone(bool plain)
    {
        string endpoint = Endpoint(TestKeys.NewName("fifo"));
        (IAsyncDisposable created, ProcessQueue<int> items) = await Boards.OpenAsync(endpoint, plain, create: true);
        await using var board = created;
        (IAsyncDisposable opened, ProcessQueue<int> others) = await Boards.OpenAsync(endpoint, plain, create: false);
        await using var other = opened;
        for (int i = 0; i < 5; i++)
            items.Put(i, TimeSpan.FromSeconds(5));
        Assert.Equal(5, items.Count);
        for (int i = 0; i < 5; i++)
            Assert.Equal(i, others.Get(TimeSpan.FromSeconds(5)));
        Assert.False(others.TryGet(out _));

        Task join = items.JoinAsync().AsTask();
        await Task.Delay(300);
        Assert.False(join.IsCompleted, "Join must wait until every item is TaskDone'd.");
        for (int i = 0; i < 5; i++)
            others.TaskDone();
        await join.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Throws<InvalidOperationException>(() => others.TaskDone());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Gets_waiting_at_the_server_take_items_as_they_are_put_and_end_when_the_board_is_disposed(bool plain)
    {
        string endpoint = Endpoint(TestKeys.NewName("waiting"));
        (IAsyncDisposable created, ProcessQueue<int> items) = await Boards.OpenAsync(endpoint, plain, create: true);
        (IAsyncDisposable opened, ProcessQueue<int> others) = await Boards.OpenAsync(endpoint, plain, create: false);
        await using (created)
        {
            // Asynchronous gets wait at the server without a thread each: more of them than the pool has threads.
            var gets = new Task<int>[64];
            for (int i = 0; i < gets.Length; i++)
                gets[i] = others.GetAsync(TimeSpan.FromSeconds(60)).AsTask();
            await Task.Delay(300);
            Assert.DoesNotContain(gets, get => get.IsCompleted);
            for (int i = 0; i < gets.Length; i++)
                await items.PutAsync(i, TimeSpan.FromSeconds(10));
            int[] got = await Task.WhenAll(gets).WaitAsync(TimeSpan.FromSeconds(60));
            Array.Sort(got);
            for (int i = 0; i < got.Length; i++)
                Assert.Equal(i, got[i]);

            Task<int> waiting = others.GetAsync().AsTask();
            await Task.Delay(300);
            Assert.False(waiting.IsCompleted);
            await opened.DisposeAsync();
            await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(20)));
        }
    }

    [Fact]
    public void The_read_ahead_options_refuse_values_outside_their_range()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NatsTransportOptions { QueueReadAhead = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new NatsTransportOptions { QueueReadAhead = 257 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new NatsTransportOptions { QueueReadAheadHold = TimeSpan.Zero });
        Assert.Throws<ArgumentOutOfRangeException>(() => new NatsTransportOptions { QueueReadAheadHold = TimeSpan.FromMilliseconds(-5) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new NatsTransportOptions { QueueReadAheadHold = TimeSpan.FromSeconds(31) });
        var defaults = new NatsTransportOptions();
        Assert.Equal(8, defaults.QueueReadAhead);
        Assert.Equal(TimeSpan.FromMilliseconds(100), defaults.QueueReadAheadHold);
        Assert.Equal(0, new NatsTransportOptions { QueueReadAhead = 0 }.QueueReadAhead);
    }

    [Fact]
    public async Task A_full_queue_refuses_a_put_after_its_timeout_and_an_empty_one_a_get()
    {
        string endpoint = Endpoint(TestKeys.NewName("full"));
        await using var board = INatsSmallBoard.Create(endpoint, Options());
        board.Items.Put(1, TimeSpan.FromSeconds(5));
        board.Items.Put(2, TimeSpan.FromSeconds(5));
        var watch = Stopwatch.StartNew();
        Assert.Throws<QueueFullException>(() => board.Items.Put(3, TimeSpan.FromMilliseconds(300)));
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        Assert.False(board.Items.TryPut(3));

        // Room again once an item is got: a waiting put completes.
        Task put = board.Items.PutAsync(3, TimeSpan.FromSeconds(10)).AsTask();
        Assert.Equal(1, board.Items.Get(TimeSpan.FromSeconds(5)));
        await put.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, board.Items.Get(TimeSpan.FromSeconds(5)));
        Assert.Equal(3, board.Items.Get(TimeSpan.FromSeconds(5)));

        watch.Restart();
        Assert.Throws<QueueEmptyException>(() => board.Items.Get(TimeSpan.FromMilliseconds(300)));
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Asynchronous_waits_time_out_on_time_end_at_once_when_cancelled_and_lose_nothing()
    {
        string endpoint = Endpoint(TestKeys.NewName("async-waits"));
        await using var board = INatsSmallBoard.Create(endpoint, Options());
        await board.Items.PutAsync(1, TimeSpan.FromSeconds(5));
        await board.Items.PutAsync(2, TimeSpan.FromSeconds(5));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<QueueFullException>(async () => await board.Items.PutAsync(3, TimeSpan.FromMilliseconds(300)));
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3));

        using (var cancel = new CancellationTokenSource())
        {
            Task put = board.Items.PutAsync(3, TimeSpan.FromSeconds(30), cancel.Token).AsTask();
            Task<bool> writable = board.Items.Writer.WaitToWriteAsync(cancel.Token).AsTask();
            await Task.Delay(300);
            Assert.False(put.IsCompleted);
            Assert.False(writable.IsCompleted);
            watch.Restart();
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => put.WaitAsync(TimeSpan.FromSeconds(5)));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writable.WaitAsync(TimeSpan.FromSeconds(5)));
            Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2));
        }
        // The cancelled put left nothing behind; a wait for room ends once there is some.
        Task<bool> room = board.Items.Writer.WaitToWriteAsync().AsTask();
        Assert.Equal(1, await board.Items.GetAsync(TimeSpan.FromSeconds(5)));
        Assert.True(await room.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(2, await board.Items.GetAsync(TimeSpan.FromSeconds(5)));

        using (var cancel = new CancellationTokenSource())
        {
            Task<int> get = board.Items.GetAsync(TimeSpan.FromSeconds(30), cancel.Token).AsTask();
            Task<bool> readable = board.Items.Reader.WaitToReadAsync(cancel.Token).AsTask();
            await Task.Delay(300);
            Assert.False(get.IsCompleted);
            Assert.False(readable.IsCompleted);
            watch.Restart();
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => get.WaitAsync(TimeSpan.FromSeconds(5)));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => readable.WaitAsync(TimeSpan.FromSeconds(5)));
            Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2));
        }
        // The cancelled get took nothing: the next item goes to the next get.
        Task<bool> item = board.Items.Reader.WaitToReadAsync().AsTask();
        await board.Items.PutAsync(4, TimeSpan.FromSeconds(5));
        Assert.True(await item.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(4, await board.Items.GetAsync(TimeSpan.FromSeconds(5)));

        watch.Restart();
        await Assert.ThrowsAsync<QueueEmptyException>(async () => await board.Items.GetAsync(TimeSpan.FromMilliseconds(300)));
        // As a synchronous get's (A_full_queue_refuses_...): the wait at the server may end up to a pull's grace (3 s) after its timeout.
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        board.Items.Writer.Complete();
        Assert.False(await board.Items.Reader.WaitToReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(await board.Items.Writer.WaitToWriteAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        await Assert.ThrowsAsync<System.Threading.Channels.ChannelClosedException>(async () => await board.Items.GetAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Opening_queues_of_another_contract_or_none_fails_clearly()
    {
        string endpoint = Endpoint(TestKeys.NewName("shape"));
        await using var board = INatsSmallBoard.Create(endpoint, Options());
        var mismatch = await Assert.ThrowsAsync<ContractMismatchException>(async () => await INatsBoard.OpenAsync(endpoint, Options()));
        Assert.Contains("INatsSmallBoard", mismatch.Message);
        await Assert.ThrowsAsync<ContractMismatchException>(async () => await INatsRedeliverBoard.OpenAsync(endpoint, Options()));
        var missing = await Assert.ThrowsAsync<IOException>(async () => await INatsBoard.OpenAsync(Endpoint(TestKeys.NewName("none")), Options()));
        Assert.Contains("no queue", missing.Message);
    }

    [Fact]
    public async Task Closing_the_queue_ends_readers_in_every_process_once_drained()
    {
        string endpoint = Endpoint(TestKeys.NewName("close"));
        await using var board = INatsBoard.Create(endpoint, Options());
        await using var other = await INatsBoard.OpenAsync(endpoint, Options());
        board.Items.Put(7, TimeSpan.FromSeconds(5));
        board.Items.Writer.Complete();
        Assert.Throws<System.Threading.Channels.ChannelClosedException>(() => board.Items.Put(8, TimeSpan.FromSeconds(1)));
        var got = new List<int>();
        await foreach (int item in other.Items.Reader.ReadAllAsync().WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token))
            got.Add(item);
        Assert.Equal([7], got);
    }

    [Fact]
    public async Task Items_held_by_a_killed_consumer_go_to_another_after_the_ack_wait()
    {
        TimeSpan ackWait = TimeSpan.FromSeconds(2);
        string endpoint = Endpoint(TestKeys.NewName("redeliver"));
        (IAsyncDisposable created, ProcessQueue<int> items) = await Boards.OpenAsync(endpoint, plain: false, create: true, ackWait);
        await using var board = created;
        for (int i = 0; i < 5; i++)
            items.Put(i, TimeSpan.FromSeconds(5));

        await using var holder = PeerProcess.Start(TestKeys.PeerEnvironment(TestKeys.NewKey()), "hold", endpoint, "3");
        await holder.WaitForLineAsync("holding", TimeSpan.FromSeconds(30));
        // The holder took 0, 1, 2: this process gets what is left, not what it holds.
        Assert.Equal(3, items.Get(TimeSpan.FromSeconds(5)));
        Assert.Equal(4, items.Get(TimeSpan.FromSeconds(5)));
        Assert.Throws<QueueEmptyException>(() => items.Get(TimeSpan.FromMilliseconds(200)));

        holder.Kill();
        var watch = Stopwatch.StartNew();
        var again = new List<int>();
        for (int i = 0; i < 3; i++)
            again.Add(items.Get(TimeSpan.FromSeconds(15)));
        again.Sort();
        Assert.Equal([0, 1, 2], again);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, ackWait + TimeSpan.FromSeconds(10));
        for (int i = 0; i < 5; i++)
            items.TaskDone();
        await items.JoinAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Items_a_killed_consumer_read_ahead_and_had_not_got_are_got_once_by_another()
    {
        const int Count = 10;
        string name = TestKeys.NewName("ahead");
        string endpoint = Endpoint(name);
        (IAsyncDisposable created, ProcessQueue<int> items) = await Boards.OpenAsync(endpoint, plain: true, create: true);
        await using var board = created;
        for (int i = 0; i < Count; i++)
            items.Put(i, TimeSpan.FromSeconds(5));

        // The holder gets 3 items and reads more ahead, which it keeps (a hold longer than the test) until it is killed.
        Dictionary<string, string> environment = TestKeys.PeerEnvironment(TestKeys.NewKey(), plain: true);
        environment["NATS_TEST_HOLD_MS"] = "30000";
        await using var holder = PeerProcess.Start(environment, "hold", endpoint, "3");
        var got = new List<int>();
        for (int i = 0; i < 3; i++)
            got.Add(int.Parse((await holder.WaitForLineAsync("held ", TimeSpan.FromSeconds(30)))["held ".Length..]));
        await holder.WaitForLineAsync("holding", TimeSpan.FromSeconds(30));
        await using var connection = new NatsConnection(NatsOpts.Default with { Url = fixture.Server.Url });
        var js = new NatsJSContext(connection);
        var streams = QueueStreams.For(name, "Items");
        INatsJSConsumer consumer = await js.GetConsumerAsync(streams.Items, streams.Consumer);
        // Delivered and not acknowledged: read ahead (the holder acknowledged what it got once it had claimed it).
        long readAhead = 0;
        for (int tries = 0; tries < 300 && (readAhead = consumer.Info.NumAckPending) == 0; tries++)
        {
            await Task.Delay(100);
            await consumer.RefreshAsync();
        }
        Assert.True(readAhead > 0, "The holder must hold items it read ahead for the test to mean anything.");
        holder.Kill();

        // What it held comes again after the plain queue's ack wait; the rest at once. Each item once, in all.
        for (int i = 3; i < Count; i++)
            got.Add(items.Get(TimeSpan.FromSeconds(90)));
        got.Sort();
        Assert.Equal(Enumerable.Range(0, Count), got);
        Assert.Throws<QueueEmptyException>(() => items.Get(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task A_put_the_stream_stored_twice_is_got_once_from_a_plain_queue_and_Join_still_ends()
    {
        // nats-server 2.9 can store a put twice when the stream's leader changes while the put is retried under its
        // message id (issue 12, point 2). Made here on one server: a second copy under the same id, published once
        // the stream forgot the id (its duplicate window shortened for the test).
        string name = TestKeys.NewName("twice");
        (IAsyncDisposable created, ProcessQueue<int> items) = await Boards.OpenAsync(Endpoint(name), plain: true, create: true);
        await using var board = created;
        await using var connection = new NatsConnection(NatsOpts.Default with { Url = fixture.Server.Url });
        var js = new NatsJSContext(connection);
        var streams = QueueStreams.For(name, "Items");
        items.Put(7, TimeSpan.FromSeconds(5));
        INatsJSStream stream = await js.GetStreamAsync(streams.Items);
        StreamMsgGetResponse stored = await stream.GetAsync(new StreamMsgGetRequest { Seq = 1 });
        byte[] payload = stored.Message.Data.ToArray();
        Assert.Equal(7, items.Get(TimeSpan.FromSeconds(5)));
        items.TaskDone();

        var id = new NatsJSPubOpts { MsgId = "twice-" + name };
        (await js.PublishAsync(streams.ItemsSubject, payload, opts: id)).EnsureSuccess();
        await js.UpdateStreamAsync(stream.Info.Config with { DuplicateWindow = TimeSpan.FromMilliseconds(100) });
        await Task.Delay(1500);
        PubAckResponse second = await js.PublishAsync(streams.ItemsSubject, payload, opts: id);
        second.EnsureSuccess();
        Assert.False(second.Duplicate, "The second copy must be stored for the test to mean anything.");

        Assert.Equal(7, items.Get(TimeSpan.FromSeconds(5)));
        Assert.Throws<QueueEmptyException>(() => items.Get(TimeSpan.FromMilliseconds(500)));
        items.TaskDone();
        await items.JoinAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }
}
