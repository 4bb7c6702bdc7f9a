using System.Threading.Channels;
using Channels;
using MemoryPack;

// Two "machines" that share nothing but NATS: run each command in its own terminal (or on its own host).
// The endpoint is the only difference from a one-machine program: nats://<server>:<port>/<name>.
//
//   export CHANNELS_KEY=$(openssl rand -hex 32)          # the same secret on both machines
//   dotnet run -- boss   nats://127.0.0.1:4222/squares   # machine A: listens, sends numbers, prints squares
//   dotnet run -- worker nats://127.0.0.1:4223/squares   # machine B: connects (here to another server), squares
//   dotnet run -- produce nats://127.0.0.1:4222/jobs 10  # queues on JetStream: put 10 jobs
//   dotnet run -- consume nats://127.0.0.1:4223/jobs 10  # get and finish them
string? keyHex = Environment.GetEnvironmentVariable("CHANNELS_KEY");
if (keyHex is null)
{
    Console.Error.WriteLine("Set CHANNELS_KEY to the same hex secret on both machines (for example: openssl rand -hex 32).");
    return 2;
}
var options = new Channels.ChannelOptions { Key = Convert.FromHexString(keyHex) };

switch (args)
{
    case ["boss", string endpoint]:
    {
        await using var listener = IDemoWorker.Listen(endpoint, options);
        Console.WriteLine($"boss: listening at {listener.Endpoint}");
        await using IDemoWorker worker = await listener.AcceptAsync();
        for (int n = 1; n <= 5; n++)
            await worker.Numbers.WriteAsync(n);
        worker.Numbers.Complete();
        await foreach (Square s in worker.Squares.ReadAllAsync())
            Console.WriteLine($"boss: {s.N}^2 = {s.Value}");
        return 0;
    }
    case ["worker", string endpoint]:
    {
        await using IDemoWorker.Peer boss = await IDemoWorker.Peer.ConnectAsync(endpoint, options);
        await foreach (int n in boss.Numbers.ReadAllAsync())
            await boss.Squares.WriteAsync(new Square(n, (long)n * n));
        boss.Squares.Complete();
        Console.WriteLine("worker: done");
        return 0;
    }
    case ["produce", string endpoint, string count]:
    {
        await using var board = IDemoBoard.Create(endpoint, options);
        for (int i = 1; i <= int.Parse(count); i++)
            board.Jobs.Put(new DemoJob(i, $"job {i}"), timeout: TimeSpan.FromSeconds(10));
        Console.WriteLine($"produce: put {count} jobs");
        return 0;
    }
    case ["consume", string endpoint, string count]:
    {
        await using var board = await IDemoBoard.OpenAsync(endpoint, options);
        for (int i = 0; i < int.Parse(count); i++)
        {
            DemoJob job = board.Jobs.Get(timeout: TimeSpan.FromSeconds(10));
            Console.WriteLine($"consume: {job.Text}");
            board.Jobs.TaskDone();
        }
        await board.Jobs.JoinAsync();
        Console.WriteLine("consume: all jobs done");
        return 0;
    }
    default:
        Console.Error.WriteLine("usage: NatsDemo boss|worker <nats://host:port/name> | produce|consume <nats://host:port/name> <count>");
        return 2;
}

/// <summary>A number and its square.</summary>
public record struct Square(int N, long Value);

/// <summary>A job of the queue demo.</summary>
[MemoryPackable]
public partial record DemoJob(int Id, string Text);

/// <summary>The boss's view of the link: numbers out, squares back.</summary>
[ChannelContract]
public partial interface IDemoWorker
{
    /// <summary>Numbers to square.</summary>
    ChannelWriter<int> Numbers { get; }

    /// <summary>Their squares.</summary>
    ChannelReader<Square> Squares { get; }
}

/// <summary>A job queue on JetStream.</summary>
[ChannelContract]
public partial interface IDemoBoard
{
    /// <summary>The jobs.</summary>
    [Queue(Capacity = 100)]
    ProcessQueue<DemoJob> Jobs { get; }
}
