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
        return (new UnixSocketTransport(client), new UnixSocketTransport(accepted));
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
