using Channels.Runtime.Tests.Infrastructure;
using Channels.TestChild.Contracts;
using Xunit;

namespace Channels.Runtime.Tests.Hardening;

/// <summary>Issue 15, point 6: an endpoint nobody created, or whose host died, is EndpointNotFoundException naming it and its directory.</summary>
public sealed class EndpointNotFoundTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestRuntimeDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ConnectingToAnEndpointNobodyCreatedNamesTheEndpointAndTheDirectory()
    {
        var error = await Assert.ThrowsAsync<EndpointNotFoundException>(async () =>
            await ISimple.Peer.ConnectAsync("nobody", _directory.Options()).AsTask().WaitAsync(Patience));

        Assert.IsAssignableFrom<ChannelsException>(error);
        Assert.Equal("nobody", error.Endpoint);
        Assert.Equal(_directory.Path, error.Directory);
        Assert.Contains("'nobody'", error.Message);
        Assert.Contains(_directory.Path, error.Message);
    }

    [Fact]
    public async Task ADeadHostsStaleSocketGivesTheSameClearError()
    {
        await using (Child host = Child.Start(_directory, "hold-listener", ["dead"]))
        {
            await host.WaitForLineAsync("listening", Patience);
            host.Kill();
            await host.WaitForExitAsync(Patience);
        }
        Assert.True(File.Exists(Path.Combine(_directory.Path, "dead.sock")), "SIGKILL runs no cleanup: the socket file is stale");

        var error = await Assert.ThrowsAsync<EndpointNotFoundException>(async () =>
            await ISimple.Peer.ConnectAsync("dead", _directory.Options()).AsTask().WaitAsync(Patience));

        Assert.Equal("dead", error.Endpoint);
        Assert.Contains("refuses connections", error.Message);
        Assert.Contains(_directory.Path, error.Message);
    }

    [Fact]
    public async Task AnExplicitPathNobodyListensAtIsNotFoundToo()
    {
        string path = Path.Combine(Path.GetTempPath(), "chn-none-" + Guid.NewGuid().ToString("N")[..8] + ".sock");
        var error = await Assert.ThrowsAsync<EndpointNotFoundException>(async () =>
            await ISimple.Peer.ConnectAsync("unix:" + path, _directory.Options(key: new byte[32])).AsTask().WaitAsync(Patience));
        Assert.Contains(path, error.Message);
    }
}
