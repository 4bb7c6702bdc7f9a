using System.Buffers.Binary;
using Channels.Nats;

namespace Channels.Nats.Peer;

/// <summary>What the peer process does, one method per scenario.</summary>
internal static class Scenarios
{
    /// <summary>The options of every scenario: the link key from NATS_TEST_KEY, a short ack wait for redelivery.</summary>
    public static ChannelOptions Options()
    {
        string? hex = Environment.GetEnvironmentVariable("NATS_TEST_KEY");
        return new ChannelOptions
        {
            Key = hex is null ? null : Convert.FromHexString(hex),
            LaneWindowMessages = int.TryParse(Environment.GetEnvironmentVariable("NATS_TEST_WINDOW"), out int window) ? window : 1024,
            PeerTimeout = TimeSpan.FromSeconds(3),
            QueueAcknowledgeOnTake = Environment.GetEnvironmentVariable("NATS_TEST_PLAIN") == "1",
            Transport = new NatsTransportOptions { AckWait = TimeSpan.FromSeconds(2) },
        };
    }

    /// <summary>Answers every job (a job "fault" faults the answers; "exit" exits at once without closing).</summary>
    public static async Task<int> EchoAsync(string endpoint, int delayMs = 0)
    {
        await using var link = await INatsWorker.Peer.ConnectAsync(endpoint, Options());
        Console.WriteLine("connected");
        await foreach (NatsJob job in link.Jobs.ReadAllAsync())
        {
            if (delayMs > 0)
                await Task.Delay(delayMs);
            if (job.Text == "fault")
            {
                link.Results.Complete(new InvalidOperationException("peer refused job " + job.Id));
                return 0;
            }
            if (job.Text == "exit")
                Environment.Exit(0);
            await link.Results.WriteAsync(job with { Text = job.Text + "!" });
        }
        link.Results.Complete();
        return 0;
    }

    /// <summary>Connects with another contract: the handshake must refuse it.</summary>
    public static async Task<int> OtherAsync(string endpoint)
    {
        await using var link = await INatsOther.Peer.ConnectAsync(endpoint, Options());
        return 0;
    }

    /// <summary>Puts <paramref name="count"/> items from <paramref name="first"/>, many at once, then the sentinels (-1).</summary>
    public static async Task<int> PutAsync(string endpoint, int first, int count, int sentinels)
    {
        await using var board = await INatsBoard.OpenAsync(endpoint, Options());
        Console.WriteLine("opened");
        const int Parallel = 32;
        int next = first - 1;
        var workers = new Task[Parallel];
        for (int w = 0; w < Parallel; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                int item;
                while ((item = Interlocked.Increment(ref next)) < first + count)
                    await board.Items.PutAsync(item, TimeSpan.FromSeconds(60));
            });
        }
        await Task.WhenAll(workers);
        for (int i = 0; i < sentinels; i++)
            await board.Items.PutAsync(-1, TimeSpan.FromSeconds(60));
        Console.WriteLine("put done");
        return 0;
    }

    /// <summary>
    /// Gets with <paramref name="workers"/> concurrent getters, each until its first sentinel (Python's idiom: one
    /// sentinel per getter), calling TaskDone for each item (mode "done") or not; writes every item got to
    /// <paramref name="output"/> (little-endian ints).
    /// </summary>
    public static async Task<int> GetAsync(string endpoint, int workers, string output, string mode)
    {
        await using var board = await INatsBoard.OpenAsync(endpoint, Options());
        Console.WriteLine("opened");
        var got = new List<int>[workers];
        var tasks = new Task[workers];
        for (int w = 0; w < workers; w++)
        {
            var mine = got[w] = new List<int>();
            tasks[w] = Task.Run(async () =>
            {
                while (true)
                {
                    int item = await board.Items.GetAsync(TimeSpan.FromSeconds(60));
                    if (mode == "done")
                        board.Items.TaskDone();
                    if (item == -1)
                        return;
                    mine.Add(item);
                }
            });
        }
        await Task.WhenAll(tasks);
        await using var file = File.Create(output);
        var buffer = new byte[4];
        foreach (var list in got)
        {
            foreach (int item in list)
            {
                BinaryPrimitives.WriteInt32LittleEndian(buffer, item);
                file.Write(buffer);
            }
        }
        Console.WriteLine("get done");
        return 0;
    }

    /// <summary>Creates the board's streams with <paramref name="replicas"/> replicas.</summary>
    public static async Task<int> CreateAsync(string endpoint, int replicas)
    {
        ChannelOptions options = Options();
        await using var board = INatsBoard.Create(endpoint, new ChannelOptions
        {
            QueueAcknowledgeOnTake = options.QueueAcknowledgeOnTake,
            Transport = new NatsTransportOptions { AckWait = TimeSpan.FromSeconds(2), Replicas = replicas },
        });
        Console.WriteLine("created");
        return 0;
    }

    /// <summary>Gets <paramref name="count"/> items without TaskDone, says so, then waits to be killed.</summary>
    public static async Task<int> HoldAsync(string endpoint, int count)
    {
        await using var board = await INatsBoard.OpenAsync(endpoint, Options());
        for (int i = 0; i < count; i++)
            Console.WriteLine("held " + await board.Items.GetAsync(TimeSpan.FromSeconds(30)));
        Console.WriteLine("holding");
        await Task.Delay(Timeout.Infinite);
        return 0;
    }
}
