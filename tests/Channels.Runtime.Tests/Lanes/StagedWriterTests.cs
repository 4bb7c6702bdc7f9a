using System.Threading.Channels;
using Channels.Runtime.Tests.Infrastructure;
using Channels.TestChild.Contracts;
using Xunit;

namespace Channels.Runtime.Tests.Lanes;

/// <summary>
/// A lane over a transport is written without the send lock by the thread that owns its stage: a raw lane (numbers)
/// from its first message, an encoded one (notes: strings of every length, so that entries wrap at the stage's end)
/// after its first thousand. What users rely on must hold however threads take turns: one writer moving between
/// threads keeps its order, writers at once each keep theirs, a completion racing with a streaming owner comes after
/// everything accepted, and the window holds.
/// </summary>
public abstract class StagedWriterTests(bool sharedMemory, bool encoded) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TestRuntimeDirectory _directory = new() { SharedMemory = sharedMemory };

    public void Dispose() => _directory.Dispose();

    // The lane under test, written and read as numbers: a note carries its number and a tail of 0 to 96 characters.
    private bool TryWrite(ISimple opener, long value) => encoded ? opener.Notes.TryWrite(Note(value)) : opener.Numbers.TryWrite(value);

    private ValueTask<bool> WaitToWriteAsync(ISimple opener) => encoded ? opener.Notes.WaitToWriteAsync() : opener.Numbers.WaitToWriteAsync();

    private ValueTask WriteAsync(ISimple opener, long value) => encoded ? opener.Notes.WriteAsync(Note(value)) : opener.Numbers.WriteAsync(value);

    private void Complete(ISimple opener)
    {
        if (encoded)
            opener.Notes.Complete();
        else
            opener.Numbers.Complete();
    }

    private async ValueTask<long> ReadAsync(ISimple.Peer peer) => encoded ? Number(await peer.Notes.ReadAsync()) : await peer.Numbers.ReadAsync();

    private async IAsyncEnumerable<long> ReadAllAsync(ISimple.Peer peer, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (encoded)
        {
            await foreach (string note in peer.Notes.ReadAllAsync(cancellationToken))
                yield return Number(note);
        }
        else
        {
            await foreach (long number in peer.Numbers.ReadAllAsync(cancellationToken))
                yield return number;
        }
    }

    private static string Note(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + new string('x', TailLength(value));

    private static long Number(string note)
    {
        int colon = note.IndexOf(':');
        long value = long.Parse(note.AsSpan(0, colon), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TailLength(value), note.Length - colon - 1);
        return value;
    }

    private static int TailLength(long value) => (int)((ulong)value % 97);

    private async Task<(ChannelListener<ISimple> Listener, ISimple Opener, ISimple.Peer Peer)> ConnectAsync(int? windowMessages = null)
    {
        var listener = ISimple.Listen("staged", _directory.Options());
        ISimple.Peer peer = await ISimple.Peer.ConnectAsync("staged", _directory.Options(windowMessages)).AsTask().WaitAsync(Timeout);
        ISimple opener = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);
        return (listener, opener, peer);
    }

    [Fact]
    public async Task OneWriterMovingBetweenThreadsKeepsItsOrder()
    {
        var (listener, opener, peer) = await ConnectAsync();
        await using var _ = listener;
        await using var __ = opener;
        await using var ___ = peer;

        // Runs of every length on a new thread each, one after the other: the stage changes owner after long runs and
        // is shared for good once owners change too often; each run's writes come after the last run's.
        var random = new Random(777);
        int[] runs = Enumerable.Range(0, 60).Select(i => i % 5 == 0 ? 6_000 : random.Next(1, 300)).ToArray();
        long total = runs.Sum();
        Task<long> reader = Task.Run(async () =>
        {
            long expected = 0;
            while (expected < total)
                Assert.Equal(expected++, await ReadAsync(peer));
            return expected;
        });
        long next = 0;
        foreach (int run in runs)
        {
            long first = next;
            var thread = new Thread(() =>
            {
                for (long i = first; i < first + run; i++)
                {
                    while (!TryWrite(opener, i))
                        WaitToWriteAsync(opener).AsTask().GetAwaiter().GetResult();
                }
            });
            thread.Start();
            Assert.True(thread.Join(Timeout));
            next += run;
        }
        Assert.Equal(total, await reader.WaitAsync(Timeout));
    }

    [Fact]
    public async Task WritersAtOnceEachKeepTheirOrderAndLoseNothing()
    {
        var (listener, opener, peer) = await ConnectAsync();
        await using var _ = listener;
        await using var __ = opener;
        await using var ___ = peer;
        const int writers = 4;
        long perWriter = encoded ? 100_000 : 250_000;

        Task<long[]> reader = Task.Run(async () =>
        {
            var next = new long[writers];
            for (long received = 0; received < writers * perWriter; received++)
            {
                long message = await ReadAsync(peer);
                int writer = (int)(message >> 40);
                Assert.Equal(next[writer]++, message & ((1L << 40) - 1));
            }
            return next;
        });
        Task[] writing = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (long i = 0; i < perWriter; i++)
                await WriteAsync(opener, ((long)w << 40) | i);
        })).ToArray();
        Task written = Task.WhenAll(writing);
        await Task.WhenAny(written, reader).WaitAsync(Timeout);
        // A reader that found a message out of order (or its link failed) says so before the writers' errors.
        if (reader.IsFaulted)
            await reader;
        await written.WaitAsync(Timeout);
        Assert.All(await reader.WaitAsync(Timeout), count => Assert.Equal(perWriter, count));
    }

    [Fact]
    public async Task CompleteRacingWithAStreamingWriterComesAfterEverythingAccepted()
    {
        var random = new Random(99);
        for (int round = 0; round < 30; round++)
        {
            var (listener, opener, peer) = await ConnectAsync();
            await using var _ = listener;
            await using var __ = opener;
            await using var ___ = peer;
            long accepted = 0;
            using var streaming = new ManualResetEventSlim();
            var writer = new Thread(() =>
            {
                try
                {
                    for (long i = 0; ; i++)
                    {
                        while (!TryWrite(opener, i))
                        {
                            if (!WaitToWriteAsync(opener).AsTask().GetAwaiter().GetResult())
                                return;
                        }
                        Volatile.Write(ref accepted, i + 1);
                        // Past the thousand messages after which an encoded lane stages too.
                        if (i == 2_000)
                            streaming.Set();
                    }
                }
                finally
                {
                    streaming.Set();
                }
            });
            writer.Start();
            streaming.Wait(Timeout);
            Thread.SpinWait(random.Next(0, 200_000));
            Complete(opener);
            Assert.True(writer.Join(Timeout));

            long expected = 0;
            await foreach (long n in ReadAllAsync(peer, new CancellationTokenSource(Timeout).Token))
                Assert.Equal(expected++, n);
            Assert.Equal(Volatile.Read(ref accepted), expected);
            Assert.False(TryWrite(opener, -1));
        }
    }

    [Fact]
    public async Task AnOwnerNeverGoesBeyondTheWindowAndResumesAsTheReaderReads()
    {
        const int window = 1_000;
        var (listener, opener, peer) = await ConnectAsync(windowMessages: window);
        await using var _ = listener;
        await using var __ = opener;
        await using var ___ = peer;

        long next = 0, consumed = 0;
        for (int lap = 0; lap < 20; lap++)
        {
            int written = 0;
            while (TryWrite(opener, next))
            {
                next++;
                written++;
            }
            // The reader returns credit a quarter of the window at a time: what it consumed since is still out.
            if (lap == 0)
                Assert.Equal(window, written);
            else
                Assert.InRange(written, 1, window - consumed % (window / 4));
            for (int i = 0; i < written; i++)
                Assert.Equal(consumed++, await ReadAsync(peer).AsTask().WaitAsync(Timeout));
            Assert.True(await WaitToWriteAsync(opener).AsTask().WaitAsync(Timeout));
        }
    }
}

/// <summary>A raw lane over the Unix socket.</summary>
public sealed class StagedWriterTestsOverTheSocket() : StagedWriterTests(sharedMemory: false, encoded: false);

/// <summary>A raw lane over shared memory.</summary>
public sealed class StagedWriterTestsOverSharedMemory() : StagedWriterTests(sharedMemory: true, encoded: false);

/// <summary>An encoded lane over the Unix socket.</summary>
public sealed class EncodedStagedWriterTestsOverTheSocket() : StagedWriterTests(sharedMemory: false, encoded: true);

/// <summary>An encoded lane over shared memory.</summary>
public sealed class EncodedStagedWriterTestsOverSharedMemory() : StagedWriterTests(sharedMemory: true, encoded: true);
