using System.Buffers.Binary;
using Channels.Nats.Tests.Infrastructure;

namespace Channels.Nats.Tests.Queues;

/// <summary>
/// Issue 12, point 2: a 3-node cluster on loopback, 2 producer and 2 consumer processes, one node SIGKILLed and
/// restarted in the middle of the run.
/// </summary>
/// <remarks>
/// Not yet passing: runs have lost or duplicated an item across the node restart (issue 12 stays open for it), so
/// the default suite leaves this category out; run it with <c>bash test.sh --cluster</c>.
/// </remarks>
[Trait("Category", "Cluster")]
public sealed class ClusterQueueTests
{
    private const int Items = 200_000;

    [Fact]
    public async Task Plain_queue_every_item_is_got_exactly_once_while_a_node_is_killed_and_restarted()
    {
        int[] counts = await RunAsync(plain: true, Items);
        for (int i = 0; i < counts.Length; i++)
            Assert.True(counts[i] == 1, $"Item {i} was got {counts[i]} times.");
    }

    [Fact]
    public async Task Redelivery_queue_every_item_is_done_at_least_once_while_a_node_is_killed_and_restarted()
    {
        int[] counts = await RunAsync(plain: false, Items / 4);
        for (int i = 0; i < counts.Length; i++)
            Assert.True(counts[i] >= 1, $"Item {i} was never done.");
    }

    private static async Task<int[]> RunAsync(bool plain, int items)
    {
        await using var cluster = await NatsCluster.StartAsync();
        string name = TestKeys.NewName("cluster");
        string Endpoint(int node) => $"{cluster.Nodes[node].Url}/{name}";
        (IAsyncDisposable created, _) = await Boards.OpenAsync(Endpoint(1), plain, create: true, TimeSpan.FromSeconds(2), replicas: 3);
        await created.DisposeAsync();

        string directory = Directory.CreateTempSubdirectory("chn-cluster-").FullName;
        try
        {
            var environment = TestKeys.PeerEnvironment(TestKeys.NewKey(), plain: plain);
            string[] outputs = [Path.Combine(directory, "c0"), Path.Combine(directory, "c1")];
            string mode = plain ? "keep" : "done";
            // Each consumer gets with 16 concurrent getters, each until its sentinel; the producers put 32 in all.
            await using var consumer0 = PeerProcess.Start(environment, "get", Endpoint(1), "16", outputs[0], mode);
            await using var consumer1 = PeerProcess.Start(environment, "get", Endpoint(2), "16", outputs[1], mode);
            await using var producer0 = PeerProcess.Start(environment, "put", Endpoint(0), "0", (items / 2).ToString(), "16");
            await using var producer1 = PeerProcess.Start(environment, "put", Endpoint(1), (items / 2).ToString(), (items - items / 2).ToString(), "16");

            // Mid-run: once every process is at work, the node a producer talks to dies and comes back.
            foreach (PeerProcess process in (PeerProcess[])[consumer0, consumer1, producer0, producer1])
                await process.WaitForLineAsync("opened", TimeSpan.FromSeconds(60));
            await Task.Delay(TimeSpan.FromSeconds(2));
            cluster.Nodes[0].Kill();
            await Task.Delay(TimeSpan.FromSeconds(2));
            cluster.Nodes[0].Launch();

            TimeSpan limit = TimeSpan.FromSeconds(150);
            Assert.True(await producer0.WaitForExitAsync(limit) == 0, "producer 0: " + producer0.Errors);
            Assert.True(await producer1.WaitForExitAsync(limit) == 0, "producer 1: " + producer1.Errors);
            Assert.True(await consumer0.WaitForExitAsync(limit) == 0, "consumer 0: " + consumer0.Errors);
            Assert.True(await consumer1.WaitForExitAsync(limit) == 0, "consumer 1: " + consumer1.Errors);

            var counts = new int[items];
            foreach (string output in outputs)
            {
                byte[] bytes = await File.ReadAllBytesAsync(output);
                for (int offset = 0; offset < bytes.Length; offset += 4)
                {
                    int item = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset));
                    Assert.InRange(item, 0, items - 1);
                    counts[item]++;
                }
            }
            return counts;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
