using Channels.Runtime.Tests.Infrastructure;
using Channels.TestChild.Contracts;
using Xunit;

namespace Channels.Runtime.Tests.Hardening;

/// <summary>Issue 15, points 1 and 8: a failed Listen touches nothing of the live listener; SIGTERM leaves no files.</summary>
public sealed class ListenerTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestRuntimeDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AFailedSecondListenLeavesTheLiveListenersKeyAndSocketInPlace()
    {
        await using Child host = Child.Start(_directory, "hold-listener", ["p1"]);
        await host.WaitForLineAsync("listening", Patience);
        string key = Path.Combine(_directory.Path, "p1.key");
        byte[] liveKey = File.ReadAllBytes(key);

        var inUse = Assert.Throws<IOException>(() => ISimple.Listen("p1", _directory.Options()));
        Assert.Contains("in use", inUse.Message);

        Assert.Equal(liveKey, File.ReadAllBytes(key));
        Assert.True(File.Exists(Path.Combine(_directory.Path, "p1.sock")));
        await using ISimple.Peer peer = await ISimple.Peer.ConnectAsync("p1", _directory.Options()).AsTask().WaitAsync(Patience);
        await peer.Echoes.WriteAsync(7);
        Assert.Equal(7, await peer.Numbers.ReadAsync().AsTask().WaitAsync(Patience));
    }

    [Fact]
    public async Task SigtermRemovesTheListenersSocketAndKeyFiles()
    {
        await using Child host = Child.Start(_directory, "hold-listener", ["term"]);
        await host.WaitForLineAsync("listening", Patience);
        Assert.True(File.Exists(Path.Combine(_directory.Path, "term.sock")));
        Assert.True(File.Exists(Path.Combine(_directory.Path, "term.key")));

        Signals.Send(host.Process.Id, Signals.Term);
        await host.WaitForExitAsync(Patience);

        Assert.Empty(_directory.LeftoverFiles());
    }
}
