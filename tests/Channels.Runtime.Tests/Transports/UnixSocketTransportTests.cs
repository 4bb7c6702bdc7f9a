using System.Net.Sockets;
using Channels.Runtime.Tests.Infrastructure;
using Channels.Transports;
using Channels.Transports.UnixSocket;
using Channels.Wire;
using Xunit;

namespace Channels.Runtime.Tests.Transports;

/// <summary>The conformance suite over a connected pair of Unix domain sockets.</summary>
public sealed class UnixSocketTransportTests : TransportConformanceTests
{
    private readonly TestRuntimeDirectory _directory = new();

    internal override async Task<(ILinkTransport First, ILinkTransport Second)> ConnectAsync()
    {
        Directory.CreateDirectory(_directory.Path);
        string path = Path.Combine(_directory.Path, Guid.NewGuid().ToString("N")[..8] + ".sock");
        using Socket listener = UnixSockets.Bind(path, "conformance");
        Socket client = await UnixSockets.ConnectAsync(EndpointAddress.Resolve("unix:" + path, ChannelOptions.Default), CancellationToken.None);
        Socket accepted = await listener.AcceptAsync().WaitAsync(Timeout);
        // As a link does after its handshake: the accepting side (the opener) hands the other a private pair.
        Socket opener = PrivateSocketPair.HandOver(accepted);
        Socket peer = await PrivateSocketPair.TakeOverAsync(client, CancellationToken.None).AsTask().WaitAsync(Timeout);
        return (new UnixSocketTransport(peer), new UnixSocketTransport(opener));
    }

    // The runtime's socket engine watches a socket for good once it has been through it, and then wakes a thread of
    // its own and one of the thread pool for every chunk received, however busy the link (the ping-pong and stream
    // costs PrivateSocketPair's remarks give). A link's socket is watched by the transport's watcher only.
    [Fact]
    public async Task ALinksSocketIsWatchedByNoEpollButTheTransportsOwn()
    {
        (ILinkTransport first, ILinkTransport second) = await ConnectAsync();
        var frames = new CountingReceiver();
        try
        {
            first.Start(new CountingReceiver(), 1 << 16, 1);
            second.Start(frames, 1 << 16, 1);
            for (int i = 0; i < 50; i++)
            {
                await SendAllAsync(first, NumberFrame(i));
                await Task.Delay(i % 10 == 0 ? 5 : 0);
            }
            await WaitUntilAsync(() => frames.Count == 50);

            HashSet<int> links = SocketDescriptors();
            int own = ReadinessWatcher.Shared.Epoll;
            foreach (string fd in Directory.GetFiles("/proc/self/fd"))
            {
                int number = int.Parse(Path.GetFileName(fd));
                string? target = null;
                try
                {
                    target = new FileInfo(fd).LinkTarget;
                }
                catch (IOException)
                {
                    continue; // closed meanwhile
                }
                if (number == own || target != "anon_inode:[eventpoll]")
                    continue;
                string info;
                try
                {
                    info = File.ReadAllText($"/proc/self/fdinfo/{number}");
                }
                catch (IOException)
                {
                    continue;
                }
                foreach (string line in info.Split('\n'))
                {
                    if (!line.StartsWith("tfd:", StringComparison.Ordinal))
                        continue;
                    int watched = int.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
                    Assert.False(links.Contains(watched), $"the link's socket {watched} is watched by epoll instance {number}: {line}");
                }
            }

            HashSet<int> SocketDescriptors()
                => [(int)((UnixSocketTransport)first).SafeHandle.DangerousGetHandle(), (int)((UnixSocketTransport)second).SafeHandle.DangerousGetHandle()];
        }
        finally
        {
            first.Close();
            second.Close();
        }
    }

    // A child process started while a link is open must not inherit its socket: a copy held by an unrelated process
    // would keep the link's end open after this process dies, and its peer would never see it go. Likewise the
    // watcher's epoll instance.
    [Fact]
    public async Task TheLinksSocketsAndTheWatchersEpollAreClosedOnExec()
    {
        (ILinkTransport first, ILinkTransport second) = await ConnectAsync();
        try
        {
            const int CloseOnExec = 0x80000; // O_CLOEXEC, octal 02000000
            int[] descriptors =
            [
                (int)((UnixSocketTransport)first).SafeHandle.DangerousGetHandle(),
                (int)((UnixSocketTransport)second).SafeHandle.DangerousGetHandle(),
                ReadinessWatcher.Shared.Epoll,
            ];
            foreach (int fd in descriptors)
            {
                string flags = File.ReadAllLines($"/proc/self/fdinfo/{fd}").Single(line => line.StartsWith("flags:", StringComparison.Ordinal));
                int value = Convert.ToInt32(flags.Substring("flags:".Length).Trim(), 8);
                Assert.True((value & CloseOnExec) != 0, $"descriptor {fd} is inherited by children ({flags})");
            }
        }
        finally
        {
            first.Close();
            second.Close();
        }
    }

    // A send the socket cannot take now waits for room without a thread and finishes once the other side reads;
    // closing the transport ends a send that still waits, instead of leaving it hanging.
    [Fact]
    public async Task ASendIntoAFullSocketFinishesWhenTheOtherSideReadsAndEndsWhenClosed()
    {
        (ILinkTransport first, ILinkTransport second) = await ConnectAsync();
        var frames = new CountingReceiver();
        try
        {
            first.Start(new CountingReceiver(), 1 << 20, 1);
            byte[] big = new byte[4 << 20];
            int frameCount = 0;
            for (int at = 0; at + FrameLayout.HeaderSize + 60_000 <= big.Length; at += FrameLayout.HeaderSize + 60_000)
            {
                FrameLayout.WriteHeader(big.AsSpan(at), 60_000, 0, FrameKind.Data);
                frameCount++;
            }
            int used = frameCount * (FrameLayout.HeaderSize + 60_000);
            int taken = first.TrySend(big.AsSpan(0, used));
            Assert.True(taken < used, "the socket took 4 MiB at once");
            Task send = first.SendAsync(big.AsMemory(taken, used - taken)).AsTask();
            await Task.Delay(100);
            Assert.False(send.IsCompleted); // nobody reads yet
            second.Start(frames, 1 << 20, 1);
            await send.WaitAsync(Timeout);
            await WaitUntilAsync(() => frames.Count == frameCount);

            // Nobody reads any more (the receiving side is closed without being read): the next send waits, until Close.
            (ILinkTransport third, ILinkTransport fourth) = await ConnectAsync();
            try
            {
                int more = third.TrySend(big.AsSpan(0, used));
                Task stuck = third.SendAsync(big.AsMemory(more, used - more)).AsTask();
                await Task.Delay(100);
                Assert.False(stuck.IsCompleted);
                third.Close();
                await Assert.ThrowsAnyAsync<Exception>(() => stuck.WaitAsync(Timeout));
            }
            finally
            {
                third.Close();
                fourth.Close();
            }
        }
        finally
        {
            first.Close();
            second.Close();
        }
    }

    [Fact]
    public async Task ABusyLinkReceivesOnAThreadOfItsOwnAndAQuietOneGivesItUp()
    {
        (ILinkTransport first, ILinkTransport second) = await ConnectAsync();
        var receiver = (UnixSocketTransport)second;
        var frames = new CountingReceiver();
        try
        {
            first.Start(new CountingReceiver(), 1 << 16, 1);
            second.Start(frames, 1 << 16, 1);
            Assert.False(receiver.ReceivesOnOwnThread); // a new link is quiet

            byte[] frame = new byte[FrameLayout.HeaderSize + 4];
            FrameLayout.WriteHeader(frame, 4, 0, FrameKind.Data);
            int sent = 0;
            bool busy = false;
            for (int i = 0; i < 20; i++, sent++)
            {
                Assert.Equal(frame.Length, first.TrySend(frame));
                await Task.Delay(1);
                busy |= receiver.ReceivesOnOwnThread;
            }
            await WaitUntilAsync(() => frames.Count == sent);
            Assert.True(busy || receiver.ReceivesOnOwnThread); // receives a few ms apart: busy

            await WaitUntilAsync(() => !receiver.ReceivesOnOwnThread); // half a second without bytes: quiet again
            for (int i = 0; i < 20; i++, sent++)
                Assert.Equal(frame.Length, first.TrySend(frame));
            await WaitUntilAsync(() => frames.Count == sent);
        }
        finally
        {
            first.Close();
            second.Close();
        }
        await frames.Ended.Task.WaitAsync(Timeout);
        Assert.False(receiver.ReceivesOnOwnThread);
    }

    // Inline receive (IInlineReceiver): a reader that polls a busy link receives on its own thread, and the receive
    // thread steps aside meanwhile; deliveries stay one at a time and in order whoever receives.
    [Fact]
    public async Task AReaderThatPollsABusyLinkReceivesOnItsOwnThreadAndFramesStayInOrder()
    {
        (ILinkTransport first, ILinkTransport second) = await ConnectAsync();
        var receiver = (UnixSocketTransport)second;
        var frames = new OrderReceiver();
        try
        {
            first.Start(new CountingReceiver(), 1 << 16, 1);
            second.Start(frames, 1 << 16, 1);
            int sent = await MakeBusyAsync(first, receiver, frames);

            using var stop = new CancellationTokenSource();
            Task<int> polling = PollUntilStoppedAsync(receiver, stop.Token);
            for (int burst = 0; burst < 200; burst++)
            {
                for (int i = 0; i < 10; i++, sent++)
                    await SendAllAsync(first, NumberFrame(sent));
                if (burst % 20 == 0)
                    await Task.Delay(2); // now and then long enough for the receive thread's turn
            }
            await WaitUntilAsync(() => frames.Count == sent);
            stop.Cancel();
            int polledOnItsThread = await polling.WaitAsync(Timeout);

            Assert.Null(frames.OrderError);
            Assert.True(polledOnItsThread > 0, "the polling reader received nothing itself");
        }
        finally
        {
            first.Close();
            second.Close();
        }
        // Ended, whatever the close met (the end of the stream, or the socket disposed under the receive).
        await frames.Ended.Task.WaitAsync(Timeout);
    }

    [Fact]
    public async Task ABadFrameThatAPollingReaderMeetsEndsTheLinkWithProtocolExceptionAndNothingAfterIt()
    {
        (ILinkTransport first, ILinkTransport second) = await ConnectAsync();
        var receiver = (UnixSocketTransport)second;
        var frames = new OrderReceiver();
        try
        {
            first.Start(new CountingReceiver(), 1 << 16, 1);
            second.Start(frames, 1 << 16, 1);
            int sent = await MakeBusyAsync(first, receiver, frames);

            using var stop = new CancellationTokenSource();
            Task<int> polling = PollUntilStoppedAsync(receiver, stop.Token);
            await SendAllAsync(first, NumberFrame(sent++));
            await WaitUntilAsync(() => frames.Count == sent);
            await Task.Delay(20); // the receive thread has stepped aside for the poller by now

            byte[] bad = NumberFrame(sent);
            bad[FrameLayout.LengthFieldSize + 2] = 0x42; // an unknown kind
            await SendAllAsync(first, [.. bad, .. NumberFrame(sent + 1)]);

            Exception? error = await frames.Ended.Task.WaitAsync(Timeout);
            stop.Cancel();
            await polling.WaitAsync(Timeout);
            Assert.IsType<ProtocolException>(error);
            Assert.Equal(sent, frames.Count);
            Assert.Null(frames.OrderError);
        }
        finally
        {
            first.Close();
            second.Close();
        }
    }

    [Fact]
    public async Task AQuietLinkLetsNoReaderPoll()
    {
        (ILinkTransport first, ILinkTransport second) = await ConnectAsync();
        var receiver = (UnixSocketTransport)second;
        try
        {
            first.Start(new CountingReceiver(), 1 << 16, 1);
            second.Start(new OrderReceiver(), 1 << 16, 1);
            // The watcher waits for a quiet link's bytes, and a thread-pool thread receives them: a reader's receive would race it.
            Assert.False(((IInlineReceiver)receiver).BeginPolling());
        }
        finally
        {
            first.Close();
            second.Close();
        }
    }

    // Tiny sends fill the socket's buffer quickly (it counts each one's overhead) when the receiving side is slow to
    // run: what TrySend does not take goes through SendAsync, as the link's send loop does.
    private static async Task SendAllAsync(ILinkTransport transport, byte[] frame)
    {
        int sent = transport.TrySend(frame);
        if (sent < frame.Length)
            await transport.SendAsync(frame.AsMemory(sent));
    }

    private static byte[] NumberFrame(int number)
    {
        byte[] frame = new byte[FrameLayout.HeaderSize + 4];
        FrameLayout.WriteHeader(frame, 4, 0, FrameKind.Data);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(FrameLayout.HeaderSize), number);
        return frame;
    }

    // Sends frames a few ms apart until the link receives on its own thread; returns how many were sent.
    private static async Task<int> MakeBusyAsync(ILinkTransport first, UnixSocketTransport receiver, OrderReceiver frames)
    {
        int sent = 0;
        var deadline = DateTime.UtcNow + Timeout;
        while (!receiver.ReceivesOnOwnThread)
        {
            Assert.True(DateTime.UtcNow < deadline, "the link never became busy");
            await SendAllAsync(first, NumberFrame(sent++));
            await Task.Delay(1);
        }
        await WaitUntilAsync(() => frames.Count == sent);
        return sent;
    }

    // A reader's polling session on a thread of its own, as LaneReader runs it; returns how many polls delivered.
    private static Task<int> PollUntilStoppedAsync(IInlineReceiver inline, CancellationToken stop)
        => Task.Factory.StartNew(() =>
        {
            int delivered = 0;
            Assert.True(inline.BeginPolling());
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    if (inline.Poll())
                        delivered++;
                    Thread.SpinWait(20);
                }
            }
            finally
            {
                inline.EndPolling(parking: true);
            }
            return delivered;
        }, TaskCreationOptions.LongRunning);

    private sealed class OrderReceiver : IFrameReceiver
    {
        private int _count;
        private int _inside;

        public int Count => Volatile.Read(ref _count);

        public string? OrderError { get; private set; }

        public TaskCompletionSource<Exception?> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnFrame(FrameHeader header, ReadOnlyMemory<byte> payload)
        {
            if (Interlocked.Increment(ref _inside) != 1)
                OrderError ??= "two threads delivered at once";
            try
            {
                if (Ended.Task.IsCompleted)
                    OrderError ??= "a frame after the end";
                if (header.Kind != FrameKind.Data)
                    throw new ProtocolException("not a Data frame");
                int number = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(payload.Span);
                if (number != _count)
                    OrderError ??= $"frame {number} arrived as number {_count}";
                Interlocked.Increment(ref _count);
            }
            finally
            {
                Interlocked.Decrement(ref _inside);
            }
        }

        public void OnEnd(Exception? error) => Ended.TrySetResult(error);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not come true in time");
            await Task.Delay(10);
        }
    }

    private sealed class CountingReceiver : IFrameReceiver
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnFrame(FrameHeader header, ReadOnlyMemory<byte> payload) => Interlocked.Increment(ref _count);

        public void OnEnd(Exception? error) => Ended.TrySetResult();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}
