namespace Channels.Nats.Tests.Infrastructure;

/// <summary>Three <see cref="NatsServer"/> nodes routed to each other on loopback, with JetStream.</summary>
public sealed class NatsCluster : IAsyncDisposable
{
    private NatsCluster(NatsServer[] nodes) => Nodes = nodes;

    /// <summary>The nodes.</summary>
    public NatsServer[] Nodes { get; }

    /// <summary>A client URL list of every node, as NATS clients take it (comma separated).</summary>
    public string Urls => string.Join(",", Array.ConvertAll(Nodes, static node => node.Url));

    /// <summary>Starts three nodes and waits until the cluster's JetStream answers on each.</summary>
    public static async Task<NatsCluster> StartAsync()
    {
        int[] clientPorts = [NatsServer.FreePort(), NatsServer.FreePort(), NatsServer.FreePort()];
        int[] routePorts = [NatsServer.FreePort(), NatsServer.FreePort(), NatsServer.FreePort()];
        var nodes = new NatsServer[3];
        for (int i = 0; i < 3; i++)
        {
            string routes = string.Join(",", Enumerable.Range(0, 3).Where(j => j != i).Select(j => $"nats://127.0.0.1:{routePorts[j]}"));
            nodes[i] = NatsServer.Node("n" + i, clientPorts[i], ["--cluster_name", "chn", "--cluster", $"nats://127.0.0.1:{routePorts[i]}", "--routes", routes]);
        }
        var cluster = new NatsCluster(nodes);
        try
        {
            foreach (NatsServer node in nodes)
                node.Launch();
            foreach (NatsServer node in nodes)
                await node.WaitReadyAsync(TimeSpan.FromSeconds(60));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (NatsServer node in Nodes)
            await node.DisposeAsync();
    }
}
