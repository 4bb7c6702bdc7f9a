using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using Channels.Runtime.Tests.Processes;
using Channels.TestChild.Pool;
using Xunit;

namespace Channels.Runtime.Tests.Pool;

/// <summary>
/// Tiny chunks travel to a worker several per call (<see cref="PoolBundle"/>): every result still comes back once, to
/// its own map, with its own failures, also when two maps of different functions share the queue and when a worker
/// dies holding bundles; and what a worker receives or answers is checked before anything is sized from it.
/// </summary>
[Collection(nameof(ProcessTestsCollection))]
public sealed class PoolBundleTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private static Task<ProcessPool> StartAsync(int workers = 2)
        => ProcessPool.StartAsync(workers, new ProcessPoolOptions { Child = TestChildren.Options() });

    [Fact]
    public async Task TwoUnorderedMapsOfDifferentFunctionsAtChunkSizeOneEachGetEveryResultOnce()
    {
        const int Count = 100_000;
        await using ProcessPool pool = await StartAsync();
        using var timeout = new CancellationTokenSource(Patience);

        Task<bool[]> squares = CollectAsync(pool.MapUnorderedAsync(PoolTasks.Square, Enumerable.Range(0, Count), chunkSize: 1, timeout.Token), SquareRoot);
        Task<bool[]> negated = CollectAsync(pool.MapUnorderedAsync(PoolTasks.Negate, Enumerable.Range(0, Count), chunkSize: 1, timeout.Token), value => value <= 0 ? (int)-value : -1);

        Assert.All(await squares, Assert.True);
        Assert.All(await negated, Assert.True);

        // A result that went to the wrong map (a negation among the squares, or the reverse) has no index there.
        static async Task<bool[]> CollectAsync(IAsyncEnumerable<long> results, Func<long, int> indexOf)
        {
            var seen = new bool[Count];
            await foreach (long result in results)
            {
                int index = indexOf(result);
                Assert.InRange(index, 0, Count - 1);
                Assert.False(seen[index], $"Result for {index} came twice.");
                seen[index] = true;
            }
            return seen;
        }
    }

    [Fact]
    public async Task AtChunkSizeOneExactlyTheFailingItemsFailAndEveryOtherResultIsRight()
    {
        const int Count = 60_000;
        await using ProcessPool pool = await StartAsync();
        using var timeout = new CancellationTokenSource(Patience);

        var failed = await Assert.ThrowsAsync<PoolMapException>(() => pool.MapAsync(PoolTasks.DoubleOrRefuse, Enumerable.Range(0, Count), chunkSize: 1, cancellationToken: timeout.Token));

        Assert.Equal([.. Enumerable.Range(0, Count).Where(x => x % 10_000 == 7)], failed.Failures.Select(f => f.Index));
        Assert.All(failed.Failures, f => Assert.Equal($"item {f.Index} refused", Assert.IsType<RemoteException>(f.Error).RemoteMessage));
    }

    [Fact]
    public async Task AWorkerKilledWhileItHoldsBundlesIsReplacedAndEveryResultComesOnce()
    {
        const int Count = 400_000;
        await using ProcessPool pool = await StartAsync();
        using var timeout = new CancellationTokenSource(Patience);
        int victim = pool.WorkerProcessIds.First();

        var seen = new bool[Count];
        int received = 0;
        await foreach (long square in pool.MapUnorderedAsync(PoolTasks.Square, Enumerable.Range(0, Count), chunkSize: 1, timeout.Token))
        {
            int root = SquareRoot(square);
            Assert.InRange(root, 0, Count - 1);
            Assert.False(seen[root], $"Result for {root} came twice.");
            seen[root] = true;
            if (++received == 20_000)
                Process.GetProcessById(victim).Kill(); // SIGKILL while tiny chunks stream in bundles
        }

        Assert.Equal(Count, received);
        while (pool.WorkerProcessIds.Contains(victim))
            await Task.Delay(20, timeout.Token);
        Assert.Equal(16L, await pool.ApplyAsync(PoolTasks.Square, 4, timeout.Token));
    }

    // The index of a square, or -1 for a value that is not one.
    private static int SquareRoot(long square)
    {
        int root = (int)Math.Round(Math.Sqrt(Math.Max(square, 0)));
        return (long)root * root == square ? root : -1;
    }

    [Fact]
    public void ABundleRoundTripsAndEveryMalformedOneIsAProtocolError()
    {
        var codec = PoolWorkerContract.BundleCodec.Instance;
        var bundle = new PoolBundle("Channels.TestChild.Pool.PoolTasks.Square", [[1, 2, 3], [], [4]]);
        byte[] encoded = Encode(codec, bundle);
        PoolBundle decoded = codec.Decode(new ReadOnlySequence<byte>(encoded));
        Assert.Equal(bundle.Function, decoded.Function);
        Assert.Equal(bundle.Chunks, decoded.Chunks);

        // Every cut of a valid bundle, and every hostile header, is refused with a ProtocolException, never sized from.
        for (int length = 0; length < encoded.Length; length++)
            Assert.Throws<ProtocolException>(() => codec.Decode(new ReadOnlySequence<byte>(encoded.AsMemory(0, length))));
        Assert.Throws<ProtocolException>(() => codec.Decode(new ReadOnlySequence<byte>([.. encoded, 0])));
        Assert.Throws<ProtocolException>(() => codec.Decode(Bundle(nameBytes: 0xFFFF, name: [], count: 1)));
        Assert.Throws<ProtocolException>(() => codec.Decode(Bundle(nameBytes: 2, name: [0xC3, 0x28], count: 1, chunks: [[]])));
        Assert.Throws<ProtocolException>(() => codec.Decode(Bundle(nameBytes: 1, name: [(byte)'f'], count: 0)));
        Assert.Throws<ProtocolException>(() => codec.Decode(Bundle(nameBytes: 1, name: [(byte)'f'], count: PoolBundle.MaxChunks + 1, chunks: [.. Enumerable.Repeat(Array.Empty<byte>(), PoolBundle.MaxChunks + 1)])));
        Assert.Throws<ProtocolException>(() => codec.Decode(Bundle(nameBytes: 1, name: [(byte)'f'], count: 1, rawTail: [0xFF, 0xFF, 0xFF, 0xFF])));
        Assert.Throws<ProtocolException>(() => codec.Decode(Bundle(nameBytes: 1, name: [(byte)'f'], count: 1, rawTail: [0x00, 0x00, 0x00, 0x7F, 1, 2])));
        Assert.Throws<ArgumentException>(() => Encode(codec, new PoolBundle("f", [])));
    }

    [Fact]
    public void RepliesSplitBackIntoTheirChunksAndAMalformedReplyIsAProtocolError()
    {
        byte[][] replies = [[9, 9], [], [7]];
        byte[] joined = PoolBundle.JoinReplies(replies);
        Assert.Equal(replies, PoolBundle.SplitReplies(joined, 3));

        Assert.Throws<ProtocolException>(() => PoolBundle.SplitReplies(joined, 2));
        Assert.Throws<ProtocolException>(() => PoolBundle.SplitReplies(joined, 4));
        Assert.Throws<ProtocolException>(() => PoolBundle.SplitReplies([.. joined, 0], 3));
        for (int length = 0; length < joined.Length; length++)
            Assert.Throws<ProtocolException>(() => PoolBundle.SplitReplies(joined[..length], 3));
        byte[] hostile = new byte[6];
        BinaryPrimitives.WriteUInt16LittleEndian(hostile, 2);
        BinaryPrimitives.WriteUInt32LittleEndian(hostile.AsSpan(2), uint.MaxValue);
        Assert.Throws<ProtocolException>(() => PoolBundle.SplitReplies(hostile, 2));

        // A bundle of one chunk is answered with the chunk's reply itself, whatever its bytes.
        byte[] single = [1, 2, 3];
        Assert.Same(single, PoolBundle.JoinReplies([single]));
        Assert.Same(single, Assert.Single(PoolBundle.SplitReplies(single, 1)));
    }

    private static byte[] Encode(PoolWorkerContract.BundleCodec codec, PoolBundle bundle)
    {
        var buffer = new ArrayBufferWriter<byte>();
        codec.Encode(buffer, bundle);
        return buffer.WrittenSpan.ToArray();
    }

    private static ReadOnlySequence<byte> Bundle(int nameBytes, byte[] name, int count, byte[][]? chunks = null, byte[]? rawTail = null)
    {
        var bytes = new List<byte>();
        bytes.AddRange(BitConverter.GetBytes((ushort)nameBytes));
        bytes.AddRange(name);
        bytes.AddRange(BitConverter.GetBytes((ushort)count));
        foreach (byte[] chunk in chunks ?? [])
        {
            bytes.AddRange(BitConverter.GetBytes(chunk.Length));
            bytes.AddRange(chunk);
        }
        bytes.AddRange(rawTail ?? []);
        return new ReadOnlySequence<byte>(bytes.ToArray());
    }
}
