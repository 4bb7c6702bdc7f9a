using System.Net.Sockets;
using Channels.Runtime.Tests.Infrastructure;
using Channels.Transports;
using Channels.Transports.SharedMemory;

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
        Socket client = await UnixSockets.ConnectAsync(path, CancellationToken.None);
        Socket accepted = await listener.AcceptAsync().WaitAsync(Timeout);
        Task<SharedMemoryTransport> peer = SharedMemoryTransport.AcceptAsync(accepted, SharedMemoryWait.SpinThenPark, CancellationToken.None).AsTask();
        SharedMemoryTransport opener = SharedMemoryTransport.Create(client, SharedMemoryWait.SpinThenPark);
        return (opener, await peer.WaitAsync(Timeout));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}
