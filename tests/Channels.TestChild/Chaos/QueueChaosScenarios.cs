using System.Globalization;
using Channels.Contracts;
using Channels.TestChild.Queues;

namespace Channels.TestChild.Chaos;

/// <summary>
/// The victims of the queue chaos trials, each a process of its own that <see cref="QueueChaosTrials"/> kills or
/// stops: a host of an <see cref="IWorkBoard"/>, a producer that puts (0, 0), (0, 1), ... and a consumer that gets,
/// reports what it got on <see cref="IWorkBoard.Results"/> and settles it. Arguments: endpoint, capacity, redeliver
/// (0|1), peer timeout ms; the runtime directory comes in the environment.
/// </summary>
public static class QueueChaosScenarios
{
    /// <summary>The shared-segment size of chaos queues: the smallest allowed, so that a long run holds little memory.</summary>
    public const long QueueBytes = 65536;

    /// <summary>How many returned puts the producer reports at a time ("put N": N puts have returned).</summary>
    public const int MarkEvery = 64;

    /// <summary>The producer number of the items the chaos producers put.</summary>
    public const int Producer = 0;

    /// <summary>The options every end of a chaos queue uses.</summary>
    public static ChannelOptions Options(string? runtimeDirectory, TimeSpan peerTimeout) => new()
    {
        RuntimeDirectory = runtimeDirectory,
        PeerTimeout = peerTimeout,
        QueueBytes = QueueBytes,
        HandshakeTimeout = TimeSpan.FromSeconds(10),
    };

    private static IWorkBoard Host(string[] args) => Definition(args).Create(args[0], Options(args));

    private static ValueTask<IWorkBoard> OpenAsync(string[] args) => Definition(args).OpenAsync(args[0], Options(args));

    private static QueueContract<IWorkBoard> Definition(string[] args) => IWorkBoard.Definition(QueueScenarios.Int(args[1]), QueueScenarios.Flag(args[2]));

    private static ChannelOptions Options(string[] args)
        => Options(ScenarioOptions.FromEnvironment().RuntimeDirectory, TimeSpan.FromMilliseconds(QueueScenarios.Int(args[3])));

    /// <summary>Hosts the queue, prints "hosting", and waits to be killed or stopped.</summary>
    [ChildScenario("chaos-queue-host")]
    public static async Task<int> HostAsync(string[] args)
    {
        await using IWorkBoard board = Host(args);
        Console.WriteLine("hosting");
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    /// <summary>Puts (0, 0), (0, 1), ... until killed, printing "put N" after every <see cref="MarkEvery"/> puts that returned.</summary>
    [ChildScenario("chaos-queue-producer")]
    public static async Task<int> ProducerAsync(string[] args)
    {
        await using IWorkBoard board = await OpenAsync(args);
        Console.WriteLine("ready");
        for (long sequence = 0; ; sequence++)
        {
            board.Items.Put(new WorkItem(Producer, sequence));
            if ((sequence + 1) % MarkEvery == 0)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"put {sequence + 1}"));
        }
    }

    /// <summary>
    /// Gets, reports (consumer 1) on Results, then settles each item, until killed. Reporting before settling is what
    /// lets the driver tell a redelivered item (reported, not settled) from a lost one (got, not reported).
    /// </summary>
    [ChildScenario("chaos-queue-consumer")]
    public static async Task<int> ConsumerAsync(string[] args)
    {
        await using IWorkBoard board = await OpenAsync(args);
        Console.WriteLine("ready");
        while (true)
        {
            WorkItem item = board.Items.Get();
            // Work on each item for a moment, on even items before reporting and on odd ones after, so that a signal
            // at a random moment usually finds the consumer holding an item in one of the two states the semantics
            // tell apart: got and not reported (gone with it in a plain queue, put back in a redelivery queue), or
            // reported and not settled (settled for it in a plain queue, delivered again in a redelivery queue).
            if (item.Sequence % 2 == 0)
                Thread.Sleep(1);
            board.Results.Put(new WorkResult(1, item.Producer, item.Sequence));
            if (item.Sequence % 2 == 1)
                Thread.Sleep(1);
            board.Items.TaskDone();
        }
    }
}
