using System.Buffers.Binary;
using System.Threading.Channels;
using Channels.Runtime.Tests.Infrastructure;
using Channels.TestChild.Contracts;
using Channels.Wire;
using Xunit;
using static Channels.Runtime.Tests.Infrastructure.RawFrames;

namespace Channels.Runtime.Tests.Lanes;

/// <summary>
/// Byte arrays from 16 KiB up travel in Batch frames of their own, which the receiving end takes straight into the
/// array its reader gets: every size around that threshold arrives whole and in order, between other lanes' frames,
/// over the socket and over shared memory; frames that only look like such a message take the usual path and its checks.
/// </summary>
public abstract class LargeArrayTests(bool sharedMemory) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly int[] Sizes = [0, 1, 1000, 16_375, 16_376, 16_383, 16_384, 16_385, 40_000, 65_536, 65_537, 200_000, 1 << 20, 3 << 20];
    private readonly TestRuntimeDirectory _directory = new() { SharedMemory = sharedMemory };

    /// <summary>This test's runtime directory.</summary>
    protected TestRuntimeDirectory Directory => _directory;

    public void Dispose() => _directory.Dispose();

    // Message number's bytes: a pattern that differs per message and per position, so a shifted or stale byte shows.
    internal static byte[] Pattern(int number, int size)
    {
        var bytes = new byte[size];
        for (int i = 0; i < size; i++)
            bytes[i] = (byte)(number * 7 + i * 31 + (i >> 8));
        return bytes;
    }

    [Fact]
    public async Task ArraysOfEverySizeArriveWholeAndInOrderBetweenOtherLanesMessages()
    {
        await using var listener = IBlobs.Listen("blobs", _directory.Options());
        await using IBlobs.Peer peer = await IBlobs.Peer.ConnectAsync("blobs", _directory.Options()).AsTask().WaitAsync(Timeout);
        await using IBlobs opener = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);

        const int Rounds = 6;
        Task writer = Task.Run(async () =>
        {
            int number = 0;
            for (int round = 0; round < Rounds; round++)
            {
                foreach (int size in Sizes)
                {
                    await opener.Blobs.WriteAsync(Pattern(number, size));
                    // Every other array shares the stream with another lane's frame right behind it.
                    if (number % 2 == 0)
                        await opener.Notes.WriteAsync("after " + number);
                    number++;
                }
            }
            opener.Blobs.Complete();
            opener.Notes.Complete();
        });

        int received = 0;
        await foreach (byte[] blob in peer.Blobs.ReadAllAsync().WithCancellation(new CancellationTokenSource(Timeout).Token))
        {
            int size = Sizes[received % Sizes.Length];
            Assert.Equal(size, blob.Length);
            Assert.True(Pattern(received, size).AsSpan().SequenceEqual(blob), $"array {received} of {size} bytes arrived changed");
            received++;
        }
        Assert.Equal(Rounds * Sizes.Length, received);
        int notes = 0;
        await foreach (string note in peer.Notes.ReadAllAsync())
            Assert.Equal("after " + notes++ * 2, note);
        Assert.Equal(Rounds * Sizes.Length / 2, notes);
        await writer.WaitAsync(Timeout);
    }

    [Fact]
    public async Task LargeArraysArriveWholeWhileAnotherThreadStreamsSmallMessagesOnAnotherLane()
    {
        // The small messages' lane streams from a thread of its own, so it stages them without the send lock; a large
        // array's frame head and its bytes must still leave together, with no staged message between them.
        await using var listener = IBlobs.Listen("streams", _directory.Options());
        await using IBlobs.Peer peer = await IBlobs.Peer.ConnectAsync("streams", _directory.Options()).AsTask().WaitAsync(Timeout);
        await using IBlobs opener = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);

        const int Arrays = 300;
        using var stop = new CancellationTokenSource();
        int notesWritten = 0;
        var notesWriter = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (opener.Notes.TryWrite("note " + notesWritten))
                    notesWritten++;
                else
                    Thread.Yield();
            }
            opener.Notes.Complete();
        });
        notesWriter.Start();
        Task arraysWriter = Task.Run(async () =>
        {
            for (int i = 0; i < Arrays; i++)
                await opener.Blobs.WriteAsync(Pattern(i, 16_384 + i * 131));
            opener.Blobs.Complete();
        });
        Task<int> notesRead = Task.Run(async () =>
        {
            int read = 0;
            await foreach (string note in peer.Notes.ReadAllAsync())
                Assert.Equal("note " + read++, note);
            return read;
        });

        int received = 0;
        await foreach (byte[] blob in peer.Blobs.ReadAllAsync().WithCancellation(new CancellationTokenSource(Timeout).Token))
        {
            Assert.True(Pattern(received, 16_384 + received * 131).AsSpan().SequenceEqual(blob), $"array {received} arrived changed");
            received++;
        }
        stop.Cancel();
        Assert.True(notesWriter.Join(Timeout));
        Assert.Equal(Arrays, received);
        Assert.Equal(notesWritten, await notesRead.WaitAsync(Timeout));
        // Enough small messages went out for their lane to stage them (it does after its first thousand).
        Assert.True(notesWritten > 5_000, $"{notesWritten} notes written");
        await arraysWriter.WaitAsync(Timeout);
    }

    [Fact]
    public async Task AWriterMayReuseItsArrayAsSoonAsTheWriteReturns()
    {
        // A large array goes to the transport from where it is, but only within the write: what the transport does not
        // take at once is copied. One buffer, refilled for every message and scrambled after each write, as a reader
        // of a file into one buffer does.
        await using var listener = IBlobs.Listen("reuse", _directory.Options());
        await using IBlobs.Peer peer = await IBlobs.Peer.ConnectAsync("reuse", _directory.Options()).AsTask().WaitAsync(Timeout);
        await using IBlobs opener = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);

        const int Count = 200;
        const int Size = 100_000;
        Task writer = Task.Run(async () =>
        {
            var buffer = new byte[Size];
            for (int i = 0; i < Count; i++)
            {
                Pattern(i, Size).CopyTo(buffer, 0);
                await opener.Blobs.WriteAsync(buffer);
                buffer.AsSpan().Fill(0xEE);
                // Now and then the reader falls behind, so the socket fills and writes take the copying path too.
                if (i % 50 == 0)
                    await Task.Delay(20);
            }
            opener.Blobs.Complete();
        });

        int received = 0;
        await foreach (byte[] blob in peer.Blobs.ReadAllAsync().WithCancellation(new CancellationTokenSource(Timeout).Token))
        {
            Assert.True(Pattern(received, Size).AsSpan().SequenceEqual(blob), $"array {received} arrived changed");
            received++;
            if (received % 60 == 0)
                await Task.Delay(50);
        }
        Assert.Equal(Count, received);
        await writer.WaitAsync(Timeout);
    }

    [Fact]
    public async Task LargeArraysBothWaysAtOnceKeepTheirOrder()
    {
        await using var listener = IBlobs.Listen("both", _directory.Options(windowMessages: 4));
        await using IBlobs.Peer peer = await IBlobs.Peer.ConnectAsync("both", _directory.Options(windowMessages: 4)).AsTask().WaitAsync(Timeout);
        await using IBlobs opener = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);

        const int Count = 300;
        async Task WriteAsync(ChannelWriter<byte[]> lane, int offset)
        {
            for (int i = 0; i < Count; i++)
                await lane.WriteAsync(Pattern(offset + i, 20_000 + i * 97));
            lane.Complete();
        }

        async Task ReadAsync(ChannelReader<byte[]> lane, int offset)
        {
            int i = 0;
            await foreach (byte[] blob in lane.ReadAllAsync())
            {
                Assert.True(Pattern(offset + i, 20_000 + i * 97).AsSpan().SequenceEqual(blob), $"array {i} arrived changed");
                i++;
            }
            Assert.Equal(Count, i);
        }

        await Task.WhenAll(
            Task.Run(() => WriteAsync(opener.Blobs, 0)), Task.Run(() => WriteAsync(peer.Uploads, 1000)),
            Task.Run(() => ReadAsync(peer.Blobs, 0)), Task.Run(() => ReadAsync(opener.Uploads, 1000))).WaitAsync(Timeout);
    }
}

public sealed class LargeArrayTestsOverSocket() : LargeArrayTests(sharedMemory: false)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    // A Batch frame on the Uploads lane (2), which the listener reads, carrying entries as given.
    private static byte[] UploadFrame(params byte[][] entries)
    {
        int length = 0;
        foreach (byte[] entry in entries)
            length += FrameLayout.BatchEntryPrefixSize + entry.Length;
        var payload = new byte[length];
        int offset = 0;
        foreach (byte[] entry in entries)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(offset), (uint)entry.Length);
            entry.CopyTo(payload, offset + FrameLayout.BatchEntryPrefixSize);
            offset += FrameLayout.BatchEntryPrefixSize + entry.Length;
        }
        return Frame(2, (byte)FrameKind.Batch, payload);
    }

    // Sent in pieces a moment apart, as a busy socket delivers them: the receiver meets the head of a large frame
    // before its rest, which is when it receives the rest into an array of its own.
    private static async Task SendInPiecesAsync(RawClient raw, byte[] bytes)
    {
        for (int offset = 0; offset < bytes.Length; offset += 7_000)
        {
            await raw.SendAsync(bytes[offset..Math.Min(bytes.Length, offset + 7_000)]);
            await Task.Delay(2);
        }
    }

    // MemoryPack's encoding of a byte array announcing count elements and carrying data.
    private static byte[] Encoded(int count, byte[] data)
    {
        var bytes = new byte[sizeof(int) + data.Length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, count);
        data.CopyTo(bytes, sizeof(int));
        return bytes;
    }

    public static TheoryData<string, byte[], bool> LookAlikes => new()
    {
        { "an array announcing one byte more than its frame holds", UploadFrame(Encoded(40_001, Pattern(1, 40_000))), false },
        { "an array announcing one byte less than its frame holds", UploadFrame(Encoded(39_999, Pattern(1, 40_000))), false },
        { "an array announcing -1 elements (null) in a large frame", UploadFrame(Encoded(-1, Pattern(1, 40_000))), false },
        { "an entry claiming more than its large frame", Frame(2, (byte)FrameKind.Batch, [.. BitConverter.GetBytes(50_000), .. Encoded(40_000, Pattern(1, 40_000))]), false },
        { "a large array frame cut short, then the connection ends", UploadFrame(Encoded(40_000, Pattern(1, 40_000)))[..30_000], true },
        { "a large array frame cut inside its head, then the connection ends", UploadFrame(Encoded(40_000, Pattern(1, 40_000)))[..10], true },
    };

    [Theory]
    [MemberData(nameof(LookAlikes))]
    public async Task AFrameThatOnlyLooksLikeALargeArrayEndsTheLinkWithProtocolException(string what, byte[] bytes, bool closeAfter)
    {
        await using var listener = IBlobs.Listen("raw", Directory.Options());
        byte[] key = File.ReadAllBytes(Path.Combine(Directory.Path, "raw.key"));
        using var raw = await RawClient.ConnectAsync(listener.Endpoint);
        await raw.HandshakeAsync(IBlobs.Definition.Descriptor, key);
        await using IBlobs victim = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);
        ValueTask<byte[]> pendingRead = victim.Uploads.ReadAsync();

        await SendInPiecesAsync(raw, bytes);
        if (closeAfter)
            raw.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);

        var ex = await Assert.ThrowsAsync<ProtocolException>(async () => await pendingRead.AsTask().WaitAsync(Timeout));
        Assert.False(string.IsNullOrEmpty(ex.Message), what);
        Assert.True(await raw.WaitForCloseAsync(Timeout), $"{what}: the link did not close its socket");
    }

    [Fact]
    public async Task TwoLargeArraysInOneFrameAndLargeArraysPastTheWindow()
    {
        // A writer of another implementation may batch large arrays: they arrive through the usual path, whole.
        await using var listener = IBlobs.Listen("raw", Directory.Options(windowMessages: 3));
        byte[] key = File.ReadAllBytes(Path.Combine(Directory.Path, "raw.key"));
        using var raw = await RawClient.ConnectAsync(listener.Endpoint);
        await raw.HandshakeAsync(IBlobs.Definition.Descriptor, key);
        await using IBlobs victim = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);

        await raw.SendAsync(UploadFrame(Encoded(30_000, Pattern(1, 30_000)), Encoded(20_000, Pattern(2, 20_000))));
        Assert.Equal(Pattern(1, 30_000), await victim.Uploads.ReadAsync().AsTask().WaitAsync(Timeout));
        Assert.Equal(Pattern(2, 20_000), await victim.Uploads.ReadAsync().AsTask().WaitAsync(Timeout));

        // Received into their own arrays, they still count against the window: the fourth unread one breaks it. The
        // three before it are read first, then the error.
        for (int i = 0; i < 4; i++)
            await SendInPiecesAsync(raw, UploadFrame(Encoded(40_000, Pattern(10 + i, 40_000))));
        Assert.True(await raw.WaitForCloseAsync(Timeout), "the link did not close its socket");
        for (int i = 0; i < 3; i++)
            Assert.Equal(Pattern(10 + i, 40_000), await victim.Uploads.ReadAsync().AsTask().WaitAsync(Timeout));
        var ex = await Assert.ThrowsAsync<ProtocolException>(async () => await victim.Uploads.ReadAsync().AsTask().WaitAsync(Timeout));
        Assert.Contains("window", ex.Message, StringComparison.OrdinalIgnoreCase);
    }
}

public sealed class LargeArrayTestsOverSharedMemory() : LargeArrayTests(sharedMemory: true);
