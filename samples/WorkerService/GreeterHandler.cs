using Channels.Hosting;

namespace WorkerService;

/// <summary>Serves one client's link, in a DI scope of its own: one greeting per name until the client completes.</summary>
internal sealed class GreeterHandler(Greeting greeting) : IChannelLinkHandler<IGreeter>
{
    public async Task HandleAsync(IGreeter link, CancellationToken cancellationToken)
    {
        await foreach (string name in link.Names.ReadAllAsync(cancellationToken))
            await link.Greetings.WriteAsync(greeting.For(name), cancellationToken);
    }
}

/// <summary>A service the handler takes from the container (to show that handlers are resolved with DI).</summary>
internal sealed class Greeting
{
    public string For(string name) => "hello " + name + " from " + Environment.ProcessId;
}
