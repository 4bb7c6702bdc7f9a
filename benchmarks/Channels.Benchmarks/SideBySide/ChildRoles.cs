using Channels.Benchmarks.Systems;

namespace Channels.Benchmarks.SideBySide;

/// <summary>The roles a child process of the runner can play: <c>child pair SYSTEM ADDRESS</c> and the queue roles.</summary>
public static class ChildRoles
{
    /// <summary>The first argument of every child.</summary>
    public const string Verb = "child";

    /// <summary>The receiving end of a pair system.</summary>
    public const string Pair = "pair";

    /// <summary>Runs the role named by <paramref name="args"/> and returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        OrphanWatch.Start();
        try
        {
            if (args.Length == 3 && args[0] == Pair)
            {
                PairSystem system = SystemCatalog.FindPair(args[1]);
                IPairReceiver receiver = await system.ConnectChildAsync(args[2], CancellationToken.None).ConfigureAwait(false);
                await using (receiver.ConfigureAwait(false))
                {
                    await PairChild.RunAsync(receiver, new StdioChildControl(), CancellationToken.None).ConfigureAwait(false);
                }

                return 0;
            }

            if (args.Length >= 2 && QueueRoles.IsQueueRole(args[0]))
            {
                return await QueueRoles.RunAsync(args, new StdioChildControl()).ConfigureAwait(false);
            }

            Console.Error.WriteLine($"unknown child role: {string.Join(' ', args)}");
            return 2;
        }
        catch (Exception ex)
        {
            await new StdioChildControl().ReplyAsync($"error {ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}").ConfigureAwait(false);
            return 1;
        }
    }
}
