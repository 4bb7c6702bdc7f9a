using System.Globalization;
using System.Threading.Channels;
using Channels.TestChild.Contracts;

namespace Channels.TestChild.Scenarios;

/// <summary>
/// The lane stress checks (issue 9, acceptance 2), shared by the in-process tests and the child scenarios: messages
/// are longs tagged with their writer (<c>writer &lt;&lt; 40 | sequence</c>), so a reader can check that it got
/// each message exactly once and in order per writer.
/// </summary>
public static class LaneStress
{
    private const int WriterShift = 40;
    private const long SequenceMask = (1L << WriterShift) - 1;

    /// <summary>The message with <paramref name="sequence"/> of <paramref name="writer"/>.</summary>
    public static long Tag(int writer, long sequence) => ((long)writer << WriterShift) | sequence;

    /// <summary>Writes <paramref name="count"/> tagged messages of each of <paramref name="writers"/> concurrent writers.</summary>
    public static Task WriteAsync(ChannelWriter<long> lane, int writers, long count, CancellationToken cancellationToken = default)
    {
        var tasks = new Task[writers];
        for (int w = 0; w < writers; w++)
        {
            int writer = w;
            tasks[w] = Task.Run(async () =>
            {
                for (long i = 0; i < count; i++)
                {
                    long message = Tag(writer, i);
                    if (!lane.TryWrite(message))
                        await lane.WriteAsync(message, cancellationToken).ConfigureAwait(false);
                }
            }, cancellationToken);
        }
        return Task.WhenAll(tasks);
    }

    /// <summary>
    /// One reader: reads until the lane completes and checks that each of <paramref name="writers"/> sent
    /// <paramref name="count"/> messages, each once and in order. Returns null when all is well, else what is wrong.
    /// </summary>
    public static async Task<string?> ReadOneReaderAsync(ChannelReader<long> lane, int writers, long count, CancellationToken cancellationToken = default)
    {
        var next = new long[writers];
        while (await lane.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (lane.TryRead(out long message))
            {
                int writer = (int)(message >> WriterShift);
                long sequence = message & SequenceMask;
                if ((uint)writer >= (uint)writers)
                    return $"message {message} names writer {writer} of {writers}";
                if (sequence != next[writer])
                    return $"writer {writer}: got {sequence}, expected {next[writer]}";
                next[writer]++;
            }
        }
        for (int w = 0; w < writers; w++)
        {
            if (next[w] != count)
                return $"writer {w}: got {next[w]} of {count} messages";
        }
        return null;
    }

    /// <summary>
    /// <paramref name="readers"/> concurrent readers of one writer's <paramref name="count"/> messages: each reader
    /// sees increasing sequences, and together they see every message exactly once. Null when all is well.
    /// </summary>
    public static async Task<string?> ReadManyReadersAsync(ChannelReader<long> lane, int readers, long count, CancellationToken cancellationToken = default)
    {
        var seen = new long[(count + 63) / 64];
        var tasks = new Task<string?>[readers];
        for (int r = 0; r < readers; r++)
        {
            tasks[r] = Task.Run(async () =>
            {
                long last = -1;
                while (await lane.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (lane.TryRead(out long message))
                    {
                        long sequence = message & SequenceMask;
                        if (sequence <= last || sequence >= count)
                            return $"a reader got {sequence} after {last}";
                        last = sequence;
                        long bit = 1L << (int)(sequence & 63);
                        if ((Interlocked.Or(ref seen[sequence >> 6], bit) & bit) != 0)
                            return $"message {sequence} was read twice";
                    }
                }
                return null;
            }, cancellationToken);
        }
        foreach (Task<string?> task in tasks)
        {
            if (await task.ConfigureAwait(false) is { } problem)
                return problem;
        }
        for (long i = 0; i < count; i++)
        {
            if ((seen[i >> 6] & (1L << (int)(i & 63))) == 0)
                return $"message {i} was never read";
        }
        return null;
    }

    /// <summary>
    /// Reads <paramref name="count"/> messages of one writer with <paramref name="readers"/> readers that each read a
    /// random run of up to 20,000 messages (peeking now and then), then continue on whatever thread the pool gives
    /// them: the lane's owning thread changes while others read, and long runs make a thread its owner again.
    /// Returns null when every message was read exactly once and each reader saw ascending sequence numbers.
    /// </summary>
    public static async Task<string?> ReadInRunsAsync(ChannelReader<long> lane, int readers, long count, CancellationToken cancellationToken = default)
    {
        var seen = new long[(count + 63) / 64];
        var tasks = new Task<string?>[readers];
        for (int r = 0; r < readers; r++)
        {
            tasks[r] = Task.Run(async () =>
            {
                long last = -1;
                while (true)
                {
                    int run = Random.Shared.Next(1, 20_000);
                    for (int i = 0; i < run; i++)
                    {
                        if ((i & 255) == 0 && lane.TryPeek(out long peeked) && (peeked & SequenceMask) >= count)
                            return $"a reader peeked {peeked & SequenceMask}, beyond the {count} sent";
                        if (!lane.TryRead(out long message))
                        {
                            if (!await lane.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                                return null;
                            continue;
                        }
                        long sequence = message & SequenceMask;
                        if (sequence <= last || sequence >= count)
                            return $"a reader got {sequence} after {last}";
                        last = sequence;
                        long bit = 1L << (int)(sequence & 63);
                        if ((Interlocked.Or(ref seen[sequence >> 6], bit) & bit) != 0)
                            return $"message {sequence} was read twice";
                    }
                    await Task.Yield();
                }
            }, cancellationToken);
        }
        foreach (Task<string?> task in tasks)
        {
            if (await task.ConfigureAwait(false) is { } problem)
                return problem;
        }
        for (long i = 0; i < count; i++)
        {
            if ((seen[i >> 6] & (1L << (int)(i & 63))) == 0)
                return $"message {i} was never read";
        }
        return null;
    }

    /// <summary>args: endpoint, writers, count per writer. Connects as the peer and reads Numbers with one reader; prints "ok" or "bad: why".</summary>
    [ChildScenario("stress-one-reader")]
    public static async Task<int> OneReaderAsync(string[] args)
    {
        await using ISimple.Peer peer = await ISimple.Peer.ConnectAsync(args[0], ScenarioOptions.FromEnvironment());
        string? problem = await ReadOneReaderAsync(peer.Numbers, int.Parse(args[1], CultureInfo.InvariantCulture), long.Parse(args[2], CultureInfo.InvariantCulture));
        Console.WriteLine(problem is null ? "ok" : "bad: " + problem);
        return problem is null ? 0 : 1;
    }

    /// <summary>args: endpoint, readers, count. Connects as the peer and reads Numbers with several readers; prints "ok" or "bad: why".</summary>
    [ChildScenario("stress-many-readers")]
    public static async Task<int> ManyReadersAsync(string[] args)
    {
        await using ISimple.Peer peer = await ISimple.Peer.ConnectAsync(args[0], ScenarioOptions.FromEnvironment());
        string? problem = await ReadManyReadersAsync(peer.Numbers, int.Parse(args[1], CultureInfo.InvariantCulture), long.Parse(args[2], CultureInfo.InvariantCulture));
        Console.WriteLine(problem is null ? "ok" : "bad: " + problem);
        return problem is null ? 0 : 1;
    }

    /// <summary>args: endpoint. Echoes every number as soon as it arrives (a reader that parks after each one).</summary>
    [ChildScenario("stress-echo")]
    public static async Task<int> EchoAsync(string[] args)
    {
        await using ISimple.Peer peer = await ISimple.Peer.ConnectAsync(args[0], ScenarioOptions.FromEnvironment());
        while (true)
        {
            long number;
            try
            {
                number = await peer.Numbers.ReadAsync();
            }
            catch (ChannelClosedException)
            {
                break;
            }
            await peer.Echoes.WriteAsync(number);
        }
        peer.Echoes.Complete();
        return 0;
    }
}
