namespace Channels.Nats.Peer;

/// <summary>What this program runs when a test starts it as a child (ChildProcess.StartAsync) on a NATS board.</summary>
public static class ChildEntries
{
    /// <summary>
    /// Takes an item from the board its parent handed it and puts it back doubled: it reaches the server only with
    /// what the parent passed (the endpoint and its connection settings). It says so on standard output first and
    /// waits for the item, so that the parent can look at it while it runs.
    /// </summary>
    [ChildEntry]
    public static async Task Double(INatsBoard board, CancellationToken cancellationToken)
    {
        Console.WriteLine("child opened");
        int item = await board.Items.GetAsync(TimeSpan.FromSeconds(60), cancellationToken);
        await board.Items.PutAsync(item * 2, TimeSpan.FromSeconds(60), cancellationToken);
    }
}
