namespace Channels.Nats.Tests.Infrastructure;

/// <summary>Three <see cref="NatsServer"/> nodes routed to each other on loopback, with JetStream.</summary>
public sealed class NatsCluster : IAsyncDisposable
{
    private NatsCluster(NatsServer[] nodes) => Nodes = nodes;

    /// <summary>The nodes.</summary>
    public NatsServer[] Nodes { get; }

    /// <summary>A client URL list of every node, as NATS clients take it (comma separated).</summary>
    public string Urls => string.Join(",", Array.ConvertAll(Nodes, static node => node.Url));

    /// <summary>
    /// Starts three nodes and waits until the cluster's JetStream answers on each; a node that exits while starting
    /// (its port taken in the meantime) starts the cluster again on fresh ports.
    /// </summary>
    public static async Task<NatsCluster> StartAsync()
    {
        for (int attempt = 1; ; attempt++)
        {
            NatsCluster cluster = Create();
            try
            {
                foreach (NatsServer node in cluster.Nodes)
                    node.Launch();
                foreach (NatsServer node in cluster.Nodes)
                    await node.WaitReadyAsync(TimeSpan.FromSeconds(60));
                return cluster;
            }
            catch (NatsServerExitedException) when (attempt < NatsServer.StartAttempts)
            {
                await cluster.DisposeAsync();
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }
        }
    }

    private static NatsCluster Create()
    {
        int[] clientPorts = [LoopbackPorts.Next(), LoopbackPorts.Next(), LoopbackPorts.Next()];
        int[] routePorts = [LoopbackPorts.Next(), LoopbackPorts.Next(), LoopbackPorts.Next()];
        var nodes = new NatsServer[3];
        for (int i = 0; i < 3; i++)
        {
            string routes = string.Join(",", Enumerable.Range(0, 3).Where(j => j != i).Select(j => $"nats://127.0.0.1:{routePorts[j]}"));
            nodes[i] = NatsServer.Node("n" + i, clientPorts[i], ["--cluster_name", "chn", "--cluster", $"nats://127.0.0.1:{routePorts[i]}", "--routes", routes]);
        }
        return new NatsCluster(nodes);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (NatsServer node in Nodes)
            await node.DisposeAsync();
    }
}
