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
    public static Task<string?> ReadManyReadersAsync(ChannelReader<long> lane, int readers, long count, CancellationToken cancellationToken = default)
        => ReadConcurrentlyAsync(readers, count, async (tally, cancellation) =>
        {
            long last = -1;
            while (await lane.WaitToReadAsync(cancellation).ConfigureAwait(false))
            {
                while (lane.TryRead(out long message))
                {
                    if (tally.Take(message, ref last) is { } problem)
                        return problem;
                }
            }
            return null;
        }, cancellationToken);

    /// <summary>
    /// <see cref="ReadManyReadersAsync"/> with readers that each read a random run of up to 20,000 messages (peeking now
    /// and then), then continue on whatever thread the pool gives them: the lane's owning thread changes while others
    /// read, and long runs make a thread its owner again.
    /// </summary>
    public static Task<string?> ReadInRunsAsync(ChannelReader<long> lane, int readers, long count, CancellationToken cancellationToken = default)
        => ReadConcurrentlyAsync(readers, count, async (tally, cancellation) =>
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
                        if (!await lane.WaitToReadAsync(cancellation).ConfigureAwait(false))
                            return null;
                        continue;
                    }
                    if (tally.Take(message, ref last) is { } problem)
                        return problem;
                }
                await Task.Yield();
            }
        }, cancellationToken);

    // Runs the readers on the pool, then checks that together they took every message.
    private static async Task<string?> ReadConcurrentlyAsync(int readers, long count, Func<Tally, CancellationToken, Task<string?>> read, CancellationToken cancellationToken)
    {
        var tally = new Tally(count);
        var tasks = new Task<string?>[readers];
        for (int r = 0; r < readers; r++)
            tasks[r] = Task.Run(() => read(tally, cancellationToken), cancellationToken);
        foreach (Task<string?> task in tasks)
        {
            if (await task.ConfigureAwait(false) is { } problem)
                return problem;
        }
        return tally.FirstMissing();
    }

    // Which of one writer's messages the readers took, shared by all of them.
    private sealed class Tally(long count)
    {
        private readonly long[] _seen = new long[(count + 63) / 64];

        // One reader took message, after the sequence in last: null, or what is wrong with it.
        public string? Take(long message, ref long last)
        {
            long sequence = message & SequenceMask;
            if (sequence <= last || sequence >= count)
                return $"a reader got {sequence} after {last}";
            last = sequence;
            long bit = 1L << (int)(sequence & 63);
            return (Interlocked.Or(ref _seen[sequence >> 6], bit) & bit) != 0 ? $"message {sequence} was read twice" : null;
        }

        public string? FirstMissing()
        {
            for (long i = 0; i < count; i++)
            {
                if ((_seen[i >> 6] & (1L << (int)(i & 63))) == 0)
                    return $"message {i} was never read";
            }
            return null;
        }
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
