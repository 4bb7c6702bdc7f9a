using System.Security.Cryptography;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Channels.Benchmarks.Messages;
using Channels.Benchmarks.Systems.ChannelsLink;

namespace Channels.Benchmarks.Micro;

/// <summary>
/// The runtime's frame batching over a real Unix socket link inside this process: 1024 messages per invocation,
/// written in bursts of <see cref="Burst"/> with the reader draining each burst before the next. A burst of 1
/// makes one frame and one <c>send()</c> per message; larger bursts let the writer coalesce many messages into
/// one Batch frame and one system call. Times are per message.
/// </summary>
[MemoryDiagnoser]
public class FrameBatchingBenchmarks
{
    private const int MessagesPerInvoke = 1024;
    private DirectoryInfo _directory = null!;
    private IBenchLink _opener = null!;
    private IBenchLink.Peer _peer = null!;

    /// <summary>Messages written before the reader drains them.</summary>
    [Params(1, 32, 1024)]
    public int Burst { get; set; }

    /// <summary>Connects both ends of a socket link.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("channels-micro-");
        var options = new ChannelOptions { Key = RandomNumberGenerator.GetBytes(32) };
        string endpoint = "unix:" + Path.Combine(_directory.FullName, "link.sock");
        ChannelListener<IBenchLink> listener = IBenchLink.Listen(endpoint, options);
        try
        {
            ValueTask<IBenchLink.Peer> connecting = IBenchLink.Peer.ConnectAsync(endpoint, options);
            _opener = listener.AcceptAsync().AsTask().GetAwaiter().GetResult();
            _peer = connecting.AsTask().GetAwaiter().GetResult();
        }
        finally
        {
            listener.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Closes the link and removes the socket folder.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _opener.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _peer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _directory.Delete(recursive: true);
    }

    /// <summary>Small records through the link.</summary>
    [Benchmark(OperationsPerInvoke = MessagesPerInvoke)]
    public async Task<long> SmallRecords()
    {
        ChannelWriter<SmallRecord> writer = _opener.Small;
        ChannelReader<SmallRecord> reader = _peer.Small;
        SmallRecord[] ring = Payloads.SmallRing;
        long sum = 0;
        for (int sent = 0; sent < MessagesPerInvoke; sent += Burst)
        {
            for (int i = 0; i < Burst; i++)
            {
                await writer.WriteAsync(ring[(sent + i) % Payloads.RingSize]).ConfigureAwait(false);
            }

            for (int i = 0; i < Burst; i++)
            {
                sum += (await reader.ReadAsync().ConfigureAwait(false)).Id;
            }
        }

        return sum;
    }

    /// <summary>Unmanaged structs through the link (no allocation expected on either side).</summary>
    [Benchmark(OperationsPerInvoke = MessagesPerInvoke)]
    public async Task<long> Structs()
    {
        ChannelWriter<Struct32> writer = _opener.Structs;
        ChannelReader<Struct32> reader = _peer.Structs;
        Struct32[] ring = Payloads.StructRing;
        long sum = 0;
        for (int sent = 0; sent < MessagesPerInvoke; sent += Burst)
        {
            for (int i = 0; i < Burst; i++)
            {
                await writer.WriteAsync(ring[(sent + i) % Payloads.RingSize]).ConfigureAwait(false);
            }

            for (int i = 0; i < Burst; i++)
            {
                sum += (await reader.ReadAsync().ConfigureAwait(false)).A;
            }
        }

        return sum;
    }
}
