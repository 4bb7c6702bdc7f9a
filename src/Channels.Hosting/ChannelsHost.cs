using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Channels.Hosting;

/// <summary>
/// Starts and stops everything Channels registered with the host, in an order that loses nothing. Start: queues
/// (hosted queues exist before anyone is told of them), then listeners. Stop: listeners stop accepting, handlers are
/// told to finish and their links complete, then the child processes are stopped. Queue singletons are disposed with
/// the service provider, after all of that.
/// </summary>
internal sealed class ChannelsHost : IHostedService
{
    private readonly IServiceProvider _services;
    private readonly ListenerRegistration[] _listeners;
    private readonly QueueRegistration[] _queues;
    private readonly ChildProcessGroup _children;

    public ChannelsHost(IServiceProvider services, IEnumerable<ListenerRegistration> listeners, IEnumerable<QueueRegistration> queues, ChildProcessGroup children)
    {
        _services = services;
        _listeners = listeners.ToArray();
        _queues = queues.ToArray();
        _children = children;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (QueueRegistration queue in _queues)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _services.GetRequiredService(queue.ContractType);
        }
        foreach (ListenerRegistration listener in _listeners)
        {
            cancellationToken.ThrowIfCancellationRequested();
            listener.Start(_services);
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var stopping = new Task[_listeners.Length];
        for (int i = 0; i < _listeners.Length; i++)
            stopping[i] = _listeners[i].StopAcceptingAsync();
        await Task.WhenAll(stopping).ConfigureAwait(false);
        for (int i = 0; i < _listeners.Length; i++)
            stopping[i] = _listeners[i].DrainAsync(cancellationToken);
        await Task.WhenAll(stopping).ConfigureAwait(false);
        await _children.StopAllAsync().ConfigureAwait(false);
    }
}
