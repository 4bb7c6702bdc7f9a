using Channels.Nats.Peer;
using Channels.Nats.Tests.Infrastructure;

namespace Channels.Nats.Tests.Queues;

/// <summary>
/// Asynchronous queue calls over JetStream from a process whose thread pool has a few threads (a peer that caps it):
/// dozens of calls waiting at once (for room, for items, for the end) hold no thread, so they complete as soon as the
/// queue lets them. Calls that blocked a thread-pool thread each while waiting starved the pool that the server's
/// answers need, and hung past their timeouts.
/// </summary>
public sealed class StarvedPoolTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    private const int Calls = 32;
    private static readonly TimeSpan s_peer = TimeSpan.FromSeconds(60);

    private string Endpoint(string name) => $"{fixture.Server.Url}/{name}";

    private static ChannelOptions Options() => new() { Transport = new NatsTransportOptions { AckWait = TimeSpan.FromSeconds(30) } };

    [Fact]
    public async Task Dozens_of_asynchronous_puts_into_a_full_queue_complete_in_a_pool_of_four_threads()
    {
        string endpoint = Endpoint(TestKeys.NewName("starved-puts"));
        await using var board = INatsSmallBoard.Create(endpoint, Options());
        await board.Items.PutAsync(-2, TimeSpan.FromSeconds(5));
        await board.Items.PutAsync(-1, TimeSpan.FromSeconds(5));
        await using var peer = PeerProcess.Start(new Dictionary<string, string>(), "starved-puts", endpoint, "0", Calls.ToString(), "20000");
        await peer.WaitForLineAsync("started", s_peer);

        // Slowly: the peer's puts wait for room most of the time.
        var got = new List<int>();
        while (got.Count < Calls + 2)
        {
            got.Add(await board.Items.GetAsync(TimeSpan.FromSeconds(25)));
            await Task.Delay(20);
        }
        string line = await peer.WaitForLineAsync("put ", s_peer);
        Assert.Equal(0, await peer.WaitForExitAsync(s_peer));
        // Each put completed well within its 20 s timeout.
        Assert.InRange(long.Parse(line["put ".Length..]), 0, 15_000);
        got.Sort();
        Assert.Equal(Enumerable.Range(-2, Calls + 2), got);
        Assert.False(board.Items.TryGet(out _));
    }

    [Fact]
    public async Task Dozens_of_asynchronous_gets_and_readers_of_an_empty_queue_take_every_item_once_in_a_pool_of_four_threads()
    {
        const int Items = 64;
        string endpoint = Endpoint(TestKeys.NewName("starved-gets"));
        await using var board = INatsSmallBoard.Create(endpoint, Options());
        await using var peer = PeerProcess.Start(new Dictionary<string, string>(), "starved-gets", endpoint, Calls.ToString(), "20000");
        await peer.WaitForLineAsync("started", s_peer);
        await Task.Delay(300);

        // A queue of capacity 2: each put waits for the peer's getters to take an item.
        for (int i = 0; i < Items; i++)
            await board.Items.PutAsync(i, TimeSpan.FromSeconds(20));
        board.Items.Writer.Complete();

        string line = await peer.WaitForLineAsync("got ", s_peer);
        Assert.Equal(0, await peer.WaitForExitAsync(s_peer));
        var got = line["got ".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
        got.Sort();
        Assert.Equal(Enumerable.Range(0, Items), got);
    }
}
