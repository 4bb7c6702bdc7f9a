using Channels.TestChild.Contracts;

namespace Channels.TestChild.Scenarios;

/// <summary>The peer of the direct-codec tests: echoes every reading and marker back as it decoded it.</summary>
public static class ReadingsScenario
{
    /// <summary>args: endpoint. Echoes both lanes until they complete, then completes the echoes.</summary>
    [ChildScenario("readings-echo")]
    public static async Task<int> RunAsync(string[] args)
    {
        await using IReadings.Peer peer = await IReadings.Peer.ConnectAsync(args[0], ScenarioOptions.FromEnvironment());
        Task markers = Task.Run(async () =>
        {
            await foreach (Marker marker in peer.Markers.ReadAllAsync())
                await peer.MarkerEchoes.WriteAsync(marker);
            peer.MarkerEchoes.Complete();
        });
        await foreach (Reading reading in peer.Readings.ReadAllAsync())
            await peer.ReadingEchoes.WriteAsync(reading);
        peer.ReadingEchoes.Complete();
        await markers;
        return 0;
    }
}
