using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Channels.Hosting.Tests;

/// <summary>A link contract served by the host in these tests: requests in, replies out.</summary>
[ChannelContract]
public partial interface IEcho
{
    ChannelReader<string> Requests { get; }

    ChannelWriter<string> Replies { get; }
}

/// <summary>A queue contract registered with the host in these tests.</summary>
[ChannelContract]
public partial interface IBox
{
    ProcessQueue<int> Items { get; }
}

/// <summary>A scoped service: one per link, disposed with the link's scope.</summary>
public sealed class ScopeProbe : IAsyncDisposable
{
    private static int s_next;

    public static int Disposed;

    public int Id { get; } = Interlocked.Increment(ref s_next);

    public ValueTask DisposeAsync()
    {
        Interlocked.Increment(ref Disposed);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Replies "scope id: request"; "boom" throws.</summary>
public sealed class EchoHandler(ScopeProbe probe) : IChannelLinkHandler<IEcho>
{
    public async Task HandleAsync(IEcho link, CancellationToken cancellationToken)
    {
        await foreach (string request in link.Requests.ReadAllAsync(cancellationToken))
        {
            if (request == "boom")
                throw new InvalidOperationException("boom");
            await link.Replies.WriteAsync(probe.Id + ": " + request, cancellationToken);
        }
    }
}

/// <summary>The host integration in one process: a handler per link in its own scope, queues as singletons, the stop order.</summary>
public sealed class HostingTests : IDisposable
{
    /// <summary>Generous: a loaded 2-core machine can stall for many seconds; a healthy run takes well under one.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly string _runtime = TestPaths.NewPrivateDirectory("chn-host-");

    private ChannelOptions Options => new() { RuntimeDirectory = Path.Combine(_runtime, "channels"), HandshakeTimeout = TimeSpan.FromSeconds(30) };

    public void Dispose() => TestPaths.DeleteQuietly(_runtime);

    [Fact]
    public async Task EachLinkGetsAHandlerInItsOwnScopeAndStoppingTheHostCompletesEveryLink()
    {
        ScopeProbe.Disposed = 0;
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services
            .AddScoped<ScopeProbe>()
            .AddChannelListener<IEcho, EchoHandler>(_ => IEcho.Listen("echo", Options));
        using IHost host = builder.Build();
        await host.StartAsync();

        await using IEcho.Peer first = await IEcho.Peer.ConnectAsync("echo", Options);
        await using IEcho.Peer second = await IEcho.Peer.ConnectAsync("echo", Options);
        await first.Requests.WriteAsync("a");
        await second.Requests.WriteAsync("b");
        string a = await first.Replies.ReadAsync().AsTask().WaitAsync(Patience);
        string b = await second.Replies.ReadAsync().AsTask().WaitAsync(Patience);
        Assert.EndsWith(": a", a, StringComparison.Ordinal);
        Assert.EndsWith(": b", b, StringComparison.Ordinal);
        Assert.NotEqual(a.Split(':')[0], b.Split(':')[0]);     // two links, two scopes, two probes

        await host.StopAsync().WaitAsync(Patience);

        // Both links were open: the handlers saw the stop and returned, the links completed normally.
        await first.Replies.Completion.WaitAsync(Patience);
        await second.Replies.Completion.WaitAsync(Patience);
        Assert.Equal(2, ScopeProbe.Disposed);
        // The listener stopped accepting and removed its socket and key file.
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_runtime, "channels")));
        await Assert.ThrowsAnyAsync<Exception>(async () => await IEcho.Peer.ConnectAsync("echo", Options));
    }

    [Fact]
    public async Task AHandlerThatThrowsClosesOnlyItsOwnLink()
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services
            .AddScoped<ScopeProbe>()
            .AddChannelListener<IEcho, EchoHandler>(_ => IEcho.Listen("echo", Options));
        using IHost host = builder.Build();
        await host.StartAsync();

        await using IEcho.Peer failing = await IEcho.Peer.ConnectAsync("echo", Options);
        await failing.Requests.WriteAsync("boom");
        // The handler threw: its link was disposed, so the client's reader ends.
        await Task.WhenAny(failing.Replies.Completion, Task.Delay(Patience));
        Assert.True(failing.Replies.Completion.IsCompleted, "the failed handler's link is still open");

        await using IEcho.Peer healthy = await IEcho.Peer.ConnectAsync("echo", Options);
        await healthy.Requests.WriteAsync("still here");
        Assert.EndsWith(": still here", await healthy.Replies.ReadAsync().AsTask().WaitAsync(Patience), StringComparison.Ordinal);
        await host.StopAsync().WaitAsync(Patience);
    }

    [Fact]
    public async Task AQueueIsHostedFromTheStartInjectableAndClosedWithTheProvider()
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddChannelQueue(_ => IBox.Create("box", Options));
        IHost host = builder.Build();
        try
        {
            Assert.False(Directory.Exists(Path.Combine(_runtime, "channels")) && Directory.GetFiles(Path.Combine(_runtime, "channels")).Length > 0);
            await host.StartAsync();

            // Hosted at start, before anyone asked for it: another process (here: a client) can open it.
            await using (IBox opened = await IBox.OpenAsync("box", Options))
                await opened.Items.PutAsync(42);
            IBox box = host.Services.GetRequiredService<IBox>();
            Assert.Same(box, host.Services.GetRequiredService<IBox>());
            Assert.Equal(42, await box.Items.GetAsync(Patience));

            await host.StopAsync();
        }
        finally
        {
            host.Dispose();
        }
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_runtime, "channels")));
    }
}
