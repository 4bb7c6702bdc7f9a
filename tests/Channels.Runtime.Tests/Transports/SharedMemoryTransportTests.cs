using System.Net.Sockets;
using Channels.Runtime.Tests.Infrastructure;
using Channels.Transports;
using Channels.Transports.SharedMemory;
using Channels.Wire;
using Xunit;

namespace Channels.Runtime.Tests.Transports;

/// <summary>The conformance suite over shared memory: a connected socket pair hands the segment from one end to the other.</summary>
public sealed class SharedMemoryTransportTests : TransportConformanceTests
{
    private readonly TestRuntimeDirectory _directory = new();

    internal override async Task<(ILinkTransport First, ILinkTransport Second)> ConnectAsync()
    {
        Directory.CreateDirectory(_directory.Path);
        string path = Path.Combine(_directory.Path, Guid.NewGuid().ToString("N")[..8] + ".sock");
        using Socket listener = UnixSockets.Bind(path, "conformance");
        Socket client = await UnixSockets.ConnectAsync(EndpointAddress.Resolve("unix:" + path, ChannelOptions.Default), CancellationToken.None);
        Socket accepted = await listener.AcceptAsync().WaitAsync(Timeout);
        Task<SharedMemoryTransport> peer = SharedMemoryTransport.AcceptAsync(accepted, SharedMemoryWait.SpinThenPark, CancellationToken.None).AsTask();
        SharedMemoryTransport opener = SharedMemoryTransport.Create(client, SharedMemoryWait.SpinThenPark);
        return (opener, await peer.WaitAsync(Timeout));
    }

    [Fact]
    public async Task AReaderThatStopsReadingBlocksTheWriterAtTheRingCapacityAndMemoryStaysFlat()
    {
        (ILinkTransport first, ILinkTransport second) = await ConnectAsync();
        using var gate = new ManualResetEventSlim(false);
        var stalled = new StalledReceiver(gate);
        first.Start(stalled, 1 << 20, 4);
        second.Start(stalled, 1 << 20, 4);
        try
        {
            byte[] frame = new byte[1024];
            FrameLayout.WriteHeader(frame, frame.Length - FrameLayout.HeaderSize, 1, FrameKind.Data);
            long sent = 0;
            int taken;
            while ((taken = first.TrySend(frame)) == frame.Length)
                sent += taken;
            sent += taken;
            // Everything taken sits in the ring (the stalled reader holds the first record): the ring is full, and
            // holds no more than its capacity less the 8-byte header of each record.
            long full = (long)SharedMemoryTransport.RingCapacity * frame.Length / (frame.Length + RingLayout.RecordHeaderSize);
            Assert.InRange(sent, full - 2 * frame.Length, full);

            Task pending = first.SendAsync(frame.AsMemory(taken)).AsTask();
            // A writer that keeps trying against the full ring holds nothing new: no buffering, no allocation.
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            long accepted = 0;
            for (int i = 0; i < 10_000; i++)
                accepted += first.TrySend(frame);
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 1024, "refused sends allocated memory");
            Assert.Equal(0, accepted);
            await Task.Delay(300);
            Assert.False(pending.IsCompleted, "the writer was not blocked by the full ring");

            gate.Set();
            await pending.WaitAsync(Timeout);
            long frames = (sent + frame.Length - taken) / frame.Length;
            await stalled.WaitForAsync(frames).WaitAsync(Timeout);
        }
        finally
        {
            gate.Set();
            first.Close();
            second.Close();
        }
    }

    [Fact]
    public async Task BothEndsClosedBeforeTheyStartCloseTheirMemoryFile()
    {
        // A link disposed or failed before it starts closes its transport without starting it (ChannelLink.Start):
        // no receive thread ever runs, so Close itself must let go of the segment, not a finalizer some day.
        (ILinkTransport first, ILinkTransport second) = await ConnectAsync();
        // The inode of this link's memory file, from the mapping that holds its segment: a segment that a test running
        // alongside opened meanwhile is never taken for ours.
        long inode = MappedInode(((SharedMemoryTransport)first).Segment);
        Assert.Equal(inode, MappedInode(((SharedMemoryTransport)second).Segment));
        var ours = new HashSet<long> { inode };
        Assert.Contains(inode, MemoryFileInodes());

        first.Close();
        second.Close();

        HashSet<long> left = MemoryFileInodes();
        left.IntersectWith(ours);
        Assert.Empty(left);
        GC.KeepAlive(first);
        GC.KeepAlive(second);
    }

    // The inode of the file mapped at the segment's address (/proc/self/maps: "start-end perms offset dev inode path").
    private static unsafe long MappedInode(Channels.SharedMemory.SharedSegment segment)
    {
        ulong address = (ulong)segment.Pointer;
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            string[] fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            string[] range = fields[0].Split('-');
            ulong start = ulong.Parse(range[0], System.Globalization.NumberStyles.HexNumber);
            ulong end = ulong.Parse(range[1], System.Globalization.NumberStyles.HexNumber);
            if (address >= start && address < end)
                return long.Parse(fields[4], System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException("the segment's address is in no mapping");
    }

    // The inodes of this process's open link memory files (/proc/self/fdinfo names each descriptor's inode), so a
    // segment of a test running alongside is never taken for ours.
    private static HashSet<long> MemoryFileInodes()
    {
        var inodes = new HashSet<long>();
        foreach ((int descriptor, string target) in Signals.FileDescriptorTargets(Environment.ProcessId))
        {
            if (!target.StartsWith("/memfd:channels-link", StringComparison.Ordinal))
                continue;
            try
            {
                foreach (string line in File.ReadLines($"/proc/self/fdinfo/{descriptor}"))
                {
                    if (line.StartsWith("ino:", StringComparison.Ordinal))
                        inodes.Add(long.Parse(line.AsSpan(4).Trim(), System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            catch (IOException)
            {
                // Closed since it was listed.
            }
        }
        return inodes;
    }

    /// <summary>A receiver whose first frame blocks until the gate opens (a reader that stopped reading); then counts frames.</summary>
    private sealed class StalledReceiver(ManualResetEventSlim gate) : IFrameReceiver
    {
        private long _frames;

        public void OnFrame(FrameHeader header, ReadOnlyMemory<byte> payload)
        {
            gate.Wait();
            Interlocked.Increment(ref _frames);
        }

        public void OnEnd(Exception? error)
        {
        }

        public async Task WaitForAsync(long frames)
        {
            while (Interlocked.Read(ref _frames) < frames)
                await Task.Delay(10);
        }
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}
