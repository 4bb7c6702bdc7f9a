using Channels.Transports;
using Channels.Transports.InProcess;

namespace Channels.Runtime.Tests.Transports;

/// <summary>The conformance suite over the in-process transport.</summary>
public sealed class InProcessTransportTests : TransportConformanceTests
{
    internal override Task<(ILinkTransport First, ILinkTransport Second)> ConnectAsync()
    {
        (InProcessTransport first, InProcessTransport second) = InProcessTransport.CreatePair();
        return Task.FromResult<(ILinkTransport, ILinkTransport)>((first, second));
    }
}
