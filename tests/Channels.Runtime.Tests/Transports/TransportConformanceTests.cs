using System.Buffers.Binary;
using System.Threading.Channels;
using Channels.Transports;
using Channels.Wire;
using Xunit;

namespace Channels.Runtime.Tests.Transports;

/// <summary>
/// What every <see cref="ILinkTransport"/> must do (its XML doc lists the rules): frames in order and whole, sends
/// split between TrySend and SendAsync, frames larger than any buffer, an orderly close after the last frame, bad
/// headers and torn frames as ProtocolException. One derived class per transport.
/// </summary>
public abstract class TransportConformanceTests : IAsyncLifetime
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private const int MaxFrame = 1 << 20;
    private const int Lanes = 4;
    private readonly List<ILinkTransport> _opened = [];

    /// <summary>Two connected ends of a new connection.</summary>
    internal abstract Task<(ILinkTransport First, ILinkTransport Second)> ConnectAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync()
    {
        foreach (ILinkTransport transport in _opened)
            transport.Close();
        return Task.CompletedTask;
    }

    private async Task<(ILinkTransport, ILinkTransport, Recorder)> StartAsync()
    {
        (ILinkTransport first, ILinkTransport second) = await ConnectAsync();
        _opened.Add(first);
        _opened.Add(second);
        var recorder = new Recorder();
        first.Start(new Recorder(), MaxFrame, Lanes);
        second.Start(recorder, MaxFrame, Lanes);
        return (first, second, recorder);
    }

    private static byte[] Frame(ushort lane, FrameKind kind, int payloadLength, int seed)
    {
        var bytes = new byte[FrameLayout.HeaderSize + payloadLength];
        FrameLayout.WriteHeader(bytes, payloadLength, lane, kind);
        for (int i = 0; i < payloadLength; i++)
            bytes[FrameLayout.HeaderSize + i] = (byte)(seed + i);
        return bytes;
    }

    private static async Task SendAllAsync(ILinkTransport transport, byte[] bytes)
    {
        int sent = transport.TrySend(bytes);
        if (sent < bytes.Length)
            await transport.SendAsync(bytes.AsMemory(sent));
    }

    [Fact]
    public async Task FramesArriveWholeInOrderWhateverHowTheyWereSent()
    {
        (ILinkTransport first, _, Recorder recorder) = await StartAsync();
        const int count = 20_000;
        var stream = new MemoryStream();
        for (int i = 0; i < count; i++)
        {
            byte[] frame = Frame((ushort)(i % Lanes), FrameKind.Data, 4 + i % 50, i);
            BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(FrameLayout.HeaderSize), i);
            stream.Write(frame);
        }
        byte[] all = stream.ToArray();
        // Chunks that cut frames anywhere: a transport must never show the receiver a torn frame.
        var random = new Random(3);
        for (int offset = 0; offset < all.Length;)
        {
            int size = Math.Min(all.Length - offset, random.Next(1, 3000));
            await SendAllAsync(first, all[offset..(offset + size)]);
            offset += size;
        }
        for (int i = 0; i < count; i++)
        {
            (FrameHeader header, byte[] payload) = await recorder.Frames.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
            Assert.Equal(FrameKind.Data, header.Kind);
            Assert.Equal(i % Lanes, header.Lane);
            Assert.Equal(4 + i % 50, payload.Length);
            Assert.Equal(i, BinaryPrimitives.ReadInt32LittleEndian(payload));
        }
    }

    [Fact]
    public async Task BurstsSeparatedByQuietSpellsArriveWholeInOrder()
    {
        // A transport may receive differently while busy and while quiet (the Unix socket: a thread of its own, then
        // the socket engine after half a second without bytes); no frame may be lost or reordered at the switch.
        (ILinkTransport first, _, Recorder recorder) = await StartAsync();
        int next = 0;
        for (int burst = 0; burst < 3; burst++)
        {
            if (burst > 0)
                await Task.Delay(TimeSpan.FromMilliseconds(700));
            for (int i = 0; i < 200; i++, next++)
            {
                byte[] frame = Frame(0, FrameKind.Data, 4, 0);
                BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(FrameLayout.HeaderSize), next);
                await SendAllAsync(first, frame);
                if (i % 50 == 0)
                    await Task.Delay(1);
            }
        }
        for (int i = 0; i < next; i++)
        {
            (_, byte[] payload) = await recorder.Frames.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
            Assert.Equal(i, BinaryPrimitives.ReadInt32LittleEndian(payload));
        }
    }

    [Fact]
    public async Task AFrameLargerThanAnyReceiveBufferArrivesWhole()
    {
        (ILinkTransport first, _, Recorder recorder) = await StartAsync();
        byte[] frame = Frame(1, FrameKind.Data, MaxFrame - FrameLayout.LengthOverhead, 11);
        Task send = SendAllAsync(first, frame);
        (FrameHeader header, byte[] payload) = await recorder.Frames.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        await send.WaitAsync(Timeout);
        Assert.Equal(MaxFrame - FrameLayout.LengthOverhead, payload.Length);
        Assert.Equal(frame.AsSpan(FrameLayout.HeaderSize).ToArray(), payload);
        Assert.Equal(1, header.Lane);
    }

    [Fact]
    public async Task CloseEndsTheOtherSideAfterEveryCommittedFrameWithAnOrderlyEnd()
    {
        (ILinkTransport first, _, Recorder recorder) = await StartAsync();
        for (int i = 0; i < 100; i++)
            await SendAllAsync(first, Frame(2, FrameKind.Data, 8, i));
        first.Close();
        first.Close(); // idempotent
        for (int i = 0; i < 100; i++)
        {
            (_, byte[] payload) = await recorder.Frames.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
            Assert.Equal((byte)i, payload[0]);
        }
        Exception? end = await recorder.End.Task.WaitAsync(Timeout);
        Assert.Null(end);
        Assert.Equal(1, recorder.EndCalls);
        Assert.Equal(0, first.TrySend(Frame(2, FrameKind.Data, 8, 0)));
    }

    [Fact]
    public async Task ClosingThisEndEndsItsOwnReceiverToo()
    {
        (ILinkTransport first, ILinkTransport second, Recorder recorder) = await StartAsync();
        second.Close();
        await recorder.End.Task.WaitAsync(Timeout);
        Assert.Equal(1, recorder.EndCalls);
        Assert.True(recorder.Frames.Reader.Count == 0);
        _ = first;
    }

    [Fact]
    public async Task AStreamThatEndsInsideAFrameEndsWithProtocolException()
    {
        (ILinkTransport first, _, Recorder recorder) = await StartAsync();
        byte[] frame = Frame(0, FrameKind.Data, 100, 0);
        await SendAllAsync(first, frame[..60]);
        first.Close();
        Exception? end = await recorder.End.Task.WaitAsync(Timeout);
        Assert.IsType<ProtocolException>(end);
        Assert.Equal(0, recorder.Frames.Reader.Count);
    }

    public static TheoryData<string, byte[]> BadHeaders => new()
    {
        { "length over the maximum", Frame(0, FrameKind.Data, MaxFrame, 0)[..FrameLayout.HeaderSize] },
        { "length below the header", [1, 0, 0, 0, 0, 0, 1] },
        { "unknown kind", Frame(0, (FrameKind)0x42, 2, 0) },
        { "lane out of range", Frame(Lanes, FrameKind.Data, 2, 0) },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public async Task ABadHeaderEndsReceivingWithProtocolExceptionAfterTheGoodFramesBeforeIt(string what, byte[] bad)
    {
        (ILinkTransport first, _, Recorder recorder) = await StartAsync();
        await SendAllAsync(first, Frame(1, FrameKind.Data, 3, 7));
        await SendAllAsync(first, bad);
        Exception? end = await recorder.End.Task.WaitAsync(Timeout);
        Assert.True(end is ProtocolException, $"{what}: ended with {end?.GetType().Name ?? "null"}");
        Assert.Equal(1, recorder.Frames.Reader.Count);
    }

    [Fact]
    public async Task AFrameTheReceiverRefusesEndsReceivingWithItsException()
    {
        (ILinkTransport first, _, Recorder recorder) = await StartAsync();
        recorder.RefuseKind = FrameKind.Fault;
        await SendAllAsync(first, Frame(1, FrameKind.Fault, 3, 7));
        await SendAllAsync(first, Frame(1, FrameKind.Data, 3, 7));
        Exception? end = await recorder.End.Task.WaitAsync(Timeout);
        Assert.IsType<ProtocolException>(end);
        Assert.Equal(0, recorder.Frames.Reader.Count);
    }

    [Fact]
    public async Task BothDirectionsCarryFramesAtOnce()
    {
        (ILinkTransport first, ILinkTransport second) = await ConnectAsync();
        _opened.Add(first);
        _opened.Add(second);
        var atFirst = new Recorder();
        var atSecond = new Recorder();
        first.Start(atFirst, MaxFrame, Lanes);
        second.Start(atSecond, MaxFrame, Lanes);
        const int count = 5_000;
        Task a = Task.Run(async () =>
        {
            for (int i = 0; i < count; i++)
                await SendAllAsync(first, Frame(0, FrameKind.Data, 16, i));
        });
        Task b = Task.Run(async () =>
        {
            for (int i = 0; i < count; i++)
                await SendAllAsync(second, Frame(3, FrameKind.Data, 16, i));
        });
        for (int i = 0; i < count; i++)
        {
            Assert.Equal((byte)i, (await atSecond.Frames.Reader.ReadAsync().AsTask().WaitAsync(Timeout)).Payload[0]);
            Assert.Equal((byte)i, (await atFirst.Frames.Reader.ReadAsync().AsTask().WaitAsync(Timeout)).Payload[0]);
        }
        await Task.WhenAll(a, b).WaitAsync(Timeout);
    }

    private sealed class Recorder : IFrameReceiver
    {
        private int _threads;
        private int _endCalls;

        public Channel<(FrameHeader Header, byte[] Payload)> Frames { get; } = Channel.CreateUnbounded<(FrameHeader, byte[])>();

        public TaskCompletionSource<Exception?> End { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int EndCalls => Volatile.Read(ref _endCalls);

        public FrameKind? RefuseKind { get; set; }

        public void OnFrame(FrameHeader header, ReadOnlyMemory<byte> payload)
        {
            Assert.Equal(1, Interlocked.Increment(ref _threads));
            try
            {
                Assert.False(End.Task.IsCompleted, "a frame after the end");
                if (header.Kind == RefuseKind)
                    throw new ProtocolException("refused by the test");
                Frames.Writer.TryWrite((header, payload.ToArray()));
            }
            finally
            {
                Interlocked.Decrement(ref _threads);
            }
        }

        public void OnEnd(Exception? error)
        {
            Interlocked.Increment(ref _endCalls);
            End.TrySetResult(error);
        }
    }
}
