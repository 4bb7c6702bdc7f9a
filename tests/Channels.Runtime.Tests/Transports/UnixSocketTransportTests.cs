using System.Net.Sockets;
using Channels.Runtime.Tests.Infrastructure;
using Channels.Transports;
using Channels.Transports.UnixSocket;

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
        Socket client = await UnixSockets.ConnectAsync(path, CancellationToken.None);
        Socket accepted = await listener.AcceptAsync().WaitAsync(Timeout);
        return (new UnixSocketTransport(client), new UnixSocketTransport(accepted));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}
