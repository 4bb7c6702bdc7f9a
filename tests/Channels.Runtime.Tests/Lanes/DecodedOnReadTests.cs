using System.Buffers.Binary;
using Channels.Lanes;
using Channels.Runtime.Tests.Infrastructure;
using Channels.Transports;
using Channels.TestChild.Contracts;
using Channels.Wire;
using MemoryPack;
using Xunit;
using static Channels.Runtime.Tests.Infrastructure.RawFrames;

namespace Channels.Runtime.Tests.Lanes;

/// <summary>
/// Records arrive as encodings and are decoded by the reader that takes them: a reader that lags by its whole window
/// still gets every message whole and in order (small ones kept encoded, large ones decoded on arrival, interleaved),
/// over the socket and over shared memory; a message that does not decode ends the link once its reader reaches it,
/// after every message before it, as it did when it was decoded on arrival.
/// </summary>
public abstract class DecodedOnReadTests(bool sharedMemory) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly TestRuntimeDirectory _directory = new() { SharedMemory = sharedMemory };

    /// <summary>This test's runtime directory.</summary>
    protected TestRuntimeDirectory Directory => _directory;

    public void Dispose() => _directory.Dispose();

    // Receipt number: a note whose length runs from nothing to past the 4 KiB of messages kept encoded.
    internal static Receipt ReceiptOf(int number) => new()
    {
        OrderId = number,
        Checksum = (ulong)number * 0x9E3779B97F4A7C15,
        Note = new string((char)('a' + number % 26), number * 37 % 6000),
    };

    internal static void AssertReceipt(int number, Receipt? receipt)
    {
        Receipt expected = ReceiptOf(number);
        Assert.NotNull(receipt);
        Assert.Equal(expected.OrderId, receipt.OrderId);
        Assert.Equal(expected.Checksum, receipt.Checksum);
        Assert.Equal(expected.Note, receipt.Note);
    }

    [Fact]
    public async Task AReaderThatLagsByItsWholeWindowGetsEveryMessageWholeAndInOrder()
    {
        const int Window = 400;
        const int Messages = 5000;
        ChannelOptions options = _directory.Options(windowMessages: Window, windowBytes: 256 * 1024);
        await using var listener = ITransfer.Listen("lag", options);
        await using ITransfer.Peer peer = await ITransfer.Peer.ConnectAsync("lag", options).AsTask().WaitAsync(Timeout);
        await using ITransfer opener = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);

        Task writer = Task.Run(async () =>
        {
            for (int number = 0; number < Messages; number++)
                await peer.Receipts.WriteAsync(ReceiptOf(number));
            peer.Receipts.Complete();
        });
        // Nothing is read until the writer has filled the window (or its bytes): every message waits, most of them encoded.
        using (var waited = new CancellationTokenSource(Timeout))
        {
            while (opener.Receipts.Count < Window / 4 && !writer.IsCompleted)
                await Task.Delay(10, waited.Token);
            await Task.Delay(100, waited.Token);
        }

        int received = 0;
        await foreach (Receipt receipt in opener.Receipts.ReadAllAsync().WithCancellation(new CancellationTokenSource(Timeout).Token))
        {
            // Now and then a peek first: it decodes the message once, and the read returns that same message.
            if (received % 97 == 0 && opener.Receipts.TryPeek(out Receipt? peeked))
                Assert.Equal(peeked.OrderId, receipt.OrderId + 1);
            AssertReceipt(received++, receipt);
        }
        Assert.Equal(Messages, received);
        await writer.WaitAsync(Timeout);
    }

    [Fact]
    public async Task APeekedMessageIsTheOneTheNextReadReturns()
    {
        await using var listener = ITransfer.Listen("peek", _directory.Options());
        await using ITransfer.Peer peer = await ITransfer.Peer.ConnectAsync("peek", _directory.Options()).AsTask().WaitAsync(Timeout);
        await using ITransfer opener = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);
        for (int number = 0; number < 3; number++)
            await peer.Receipts.WriteAsync(ReceiptOf(number));

        Assert.True(await opener.Receipts.WaitToReadAsync().AsTask().WaitAsync(Timeout));
        using (var waited = new CancellationTokenSource(Timeout))
        {
            while (opener.Receipts.Count < 3)
                await Task.Delay(5, waited.Token);
        }
        Assert.True(opener.Receipts.TryPeek(out Receipt? first));
        Assert.True(opener.Receipts.TryPeek(out Receipt? again));
        Assert.Same(first, again);
        Assert.True(opener.Receipts.TryRead(out Receipt? read));
        Assert.Same(first, read);
        AssertReceipt(0, read);
        Assert.True(opener.Receipts.TryRead(out Receipt? second));
        AssertReceipt(1, second);
        Assert.True(opener.Receipts.TryPeek(out Receipt? third));
        AssertReceipt(2, third);
        Assert.Equal(1, opener.Receipts.Count);
    }
}

public sealed class DecodedOnReadTestsOverSocket() : DecodedOnReadTests(sharedMemory: false)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    // Receipts (lane 2) as a writer sends them: one Batch frame of length-prefixed entries.
    private static byte[] Receipts(IEnumerable<byte[]> encodings) => Frame(2, (byte)FrameKind.Batch, BatchPayload(encodings));

    private static byte[] Encoded(int number) => MemoryPackSerializer.Serialize(ReceiptOf(number));

    public static TheoryData<string, byte[]> Undecodable => new()
    {
        { "a lone member count", [3] },
        { "a receipt cut inside its note", Encoded(5)[..^3] },
        { "a receipt with a byte too many", [.. Encoded(5), 0] },
        { "a note claiming 2 GiB of characters", [.. Encoded(0)[..^4], 0xFF, 0xFF, 0xFF, 0x7F] },
    };

    // Before the bad entry: 3,000 receipts in frames of 50, now and then paced, then the bad one's frame.
    [Theory]
    [MemberData(nameof(Undecodable))]
    public async Task AMessageThatDoesNotDecodeEndsTheLinkOnceItsReaderReachesItAfterEveryMessageBeforeIt(string what, byte[] bad)
    {
        const int Before = 3000;
        const int PerFrame = 50;
        await using var listener = ITransfer.Listen("bad", Directory.Options());
        byte[] key = File.ReadAllBytes(Path.Combine(Directory.Path, "bad.key"));
        using var raw = await RawClient.ConnectAsync(listener.Endpoint);
        await raw.HandshakeAsync(ITransfer.Definition.Descriptor, key);
        await using ITransfer victim = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);
        Task<(List<Receipt> Got, Exception Error)> reading = ReadUntilFailure.StartAsync(victim.Receipts);

        for (int first = 0; first < Before; first += PerFrame)
        {
            await raw.SendAsync(Receipts(Enumerable.Range(first, PerFrame).Select(Encoded)));
            if (first % 500 == 0)
                await Task.Delay(1);
        }
        await raw.SendAsync(Receipts([Encoded(Before), Encoded(Before + 1), bad, Encoded(Before + 2)]));

        (List<Receipt> got, Exception error) = await reading.WaitAsync(Timeout);
        var protocol = Assert.IsType<ProtocolException>(error);
        Assert.Contains("Receipt", protocol.Message);
        // Over the socket its receive thread decodes: the bad message's frame is refused whole.
        Assert.Equal(Before, got.Count);
        for (int number = 0; number < got.Count; number++)
            AssertReceipt(number, got[number]);
        Assert.False(victim.Receipts.TryRead(out _), $"{what}: a message after the bad one was read");
        await Assert.ThrowsAsync<ProtocolException>(async () => await victim.Orders.WriteAsync(new Order(1, "c", new Address("x", 1))).AsTask().WaitAsync(Timeout));
        Assert.True(await raw.WaitForCloseAsync(Timeout), $"{what}: the link did not close its socket");
    }

    [Fact]
    public async Task APeekAtAMessageThatDoesNotDecodeFindsNothingAndEndsTheLink()
    {
        await using var listener = ITransfer.Listen("peek-bad", Directory.Options());
        byte[] key = File.ReadAllBytes(Path.Combine(Directory.Path, "peek-bad.key"));
        using var raw = await RawClient.ConnectAsync(listener.Endpoint);
        await raw.HandshakeAsync(ITransfer.Definition.Descriptor, key);
        await using ITransfer victim = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);

        await raw.SendAsync([.. Receipts([Encoded(0)]), .. Receipts([[3]])]);
        AssertReceipt(0, await victim.Receipts.ReadAsync().AsTask().WaitAsync(Timeout));
        using (var waited = new CancellationTokenSource(Timeout))
        {
            // Decoded on arrival, the bad message ended the link already; kept encoded, it waits to be read.
            while (victim.Receipts.Count < 1 && !victim.Receipts.Completion.IsCompleted)
                await Task.Delay(5, waited.Token);
        }
        Assert.False(victim.Receipts.TryPeek(out _));
        await Assert.ThrowsAsync<ProtocolException>(async () => await victim.Receipts.ReadAsync().AsTask().WaitAsync(Timeout));
        await Assert.ThrowsAsync<ProtocolException>(() => victim.Receipts.Completion.WaitAsync(Timeout));
        Assert.True(await raw.WaitForCloseAsync(Timeout), "the link did not close its socket");
    }
}

public sealed class DecodedOnReadTestsOverSharedMemory() : DecodedOnReadTests(sharedMemory: true);

/// <summary>
/// Frames handed to a link as if they had arrived, over a transport whose readers decode (as shared memory's do) and
/// one whose receiving thread decodes (as a socket's does): the same messages read, the same error after the same
/// prefix when one does not decode.
/// </summary>
public sealed class DecodedOnReadLinkTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    // An opening end of ITransfer over a transport that captures what it sends, and the receiver frames reach it through.
    private sealed record OpenedLink(ITransfer Opener, IFrameReceiver Receiver) : IAsyncDisposable
    {
        // Nobody answers the Close frame over a capturing transport; closing it ends the link's receiving all the same.
        public async ValueTask DisposeAsync() => await Opener.DisposeAsync().AsTask().WaitAsync(Timeout);
    }

    private static OpenedLink Open(bool readersDecode)
    {
        var contract = ITransfer.Definition;
        var options = new ChannelOptions { Key = new byte[32], PeerTimeout = TimeSpan.FromMinutes(5) };
        var link = new ChannelLink(contract.Descriptor, LinkRole.Opener, options);
        var transport = new CapturingTransport { ReadersDecode = readersDecode };
        link.AttachTransport(transport, new HandshakeHello(LinkRole.Peer, contract.Descriptor.Fingerprint, 1024, 1 << 20, 16 << 20, [], contract.Descriptor.Name));
        ITransfer opener = contract.NewOpener(link);
        link.Start();
        return new OpenedLink(opener, transport.Receiver!);
    }

    private static void Deliver(IFrameReceiver receiver, params byte[][] encodings)
    {
        byte[] payload = BatchPayload(encodings);
        receiver.OnFrame(new FrameHeader(payload.Length + FrameLayout.LengthOverhead, 2, FrameKind.Batch), payload);
    }

    private static byte[] Encoded(int number) => MemoryPackSerializer.Serialize(DecodedOnReadTests.ReceiptOf(number));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task FramesOfEverySizeReadTheSame(bool readersDecode)
    {
        await using OpenedLink link = Open(readersDecode);
        (ITransfer opener, IFrameReceiver receiver) = link;
        // 600 receipts in frames of 1 to 40 (notes up to 6,000 characters: some kept encoded, some not), read as
        // they come and in bursts, so that kept encodings wrap around their ring and the ring grows.
        int delivered = 0, read = 0;
        for (int frame = 0; delivered < 600; frame++)
        {
            int count = Math.Min(1 + frame * 7 % 40, 600 - delivered);
            Deliver(receiver, [.. Enumerable.Range(delivered, count).Select(Encoded)]);
            delivered += count;
            while (read < delivered - frame % 3 * 20 && opener.Receipts.TryRead(out Receipt? receipt))
                DecodedOnReadTests.AssertReceipt(read++, receipt);
        }
        while (opener.Receipts.TryRead(out Receipt? receipt))
            DecodedOnReadTests.AssertReceipt(read++, receipt);
        Assert.Equal(600, read);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AMessageThatDoesNotDecodeEndsTheLinkAfterEveryMessageBeforeIt(bool readersDecode)
    {
        await using OpenedLink link = Open(readersDecode);
        (ITransfer opener, IFrameReceiver receiver) = link;
        Deliver(receiver, Encoded(0), Encoded(1));
        try
        {
            Deliver(receiver, Encoded(2), [3], Encoded(3));
            Assert.True(readersDecode, "a receive thread that decodes on arrival did not refuse the frame");
        }
        catch (ProtocolException refused) when (!readersDecode)
        {
            // Decoded on arrival: the receive loop meets the error and ends receiving with it, as a transport does.
            receiver.OnEnd(refused);
        }

        var got = new List<long>();
        var error = await Assert.ThrowsAsync<ProtocolException>(async () =>
        {
            while (true)
                got.Add((await opener.Receipts.ReadAsync().AsTask().WaitAsync(Timeout)).OrderId);
        });
        // Decoded on arrival, the bad message's frame is refused whole; kept encoded, the messages before it in its
        // frame are read too.
        Assert.Equal(readersDecode ? [0, 1, 2] : [0, 1], got);
        Assert.False(opener.Receipts.TryPeek(out _));
        await Assert.ThrowsAsync<ProtocolException>(() => opener.Receipts.Completion.WaitAsync(Timeout));
        await Assert.ThrowsAsync<ProtocolException>(async () => await opener.Orders.WriteAsync(new Order(1, "c", new Address("x", 1))).AsTask().WaitAsync(Timeout));
        Assert.Contains("Receipt", error.Message);
    }
}
