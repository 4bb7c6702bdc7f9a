using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Channels.Hosting;

/// <summary>
/// A listener for <typeparamref name="TLink"/> whose accepted links are each served by a <typeparamref name="THandler"/>
/// resolved in a scope of its own. Handlers run concurrently; each link is disposed when its handler returns.
/// </summary>
[DebuggerDisplay("Listener for {typeof(TLink).Name} at {_listener?.Endpoint}")]
internal sealed partial class ListenerRegistration<TLink, THandler> : ListenerRegistration
    where TLink : class, IAsyncDisposable
    where THandler : class, IChannelLinkHandler<TLink>
{
    private readonly Func<IServiceProvider, ChannelListener<TLink>> _listen;
    private readonly CancellationTokenSource _stopAccepting = new();
    private readonly CancellationTokenSource _stopHandlers = new();
    private readonly HashSet<Task> _handlers = new();
    private IServiceProvider? _services;
    private ILogger? _logger;
    private ChannelListener<TLink>? _listener;
    private Task _acceptLoop = Task.CompletedTask;

    public ListenerRegistration(Func<IServiceProvider, ChannelListener<TLink>> listen) => _listen = listen;

    public override void Start(IServiceProvider services)
    {
        if (_listener is not null)
            throw new InvalidOperationException($"The listener for {typeof(TLink).Name} at {_listener.Endpoint} has already started.");
        _services = services;
        _logger = services.GetService<ILoggerFactory>()?.CreateLogger("Channels.Hosting");
        _listener = _listen(services) ?? throw new InvalidOperationException($"The listen function registered for {typeof(TLink).Name} returned null.");
        if (_logger is not null)
            LogListening(_logger, typeof(TLink).Name, _listener.Endpoint, typeof(THandler).Name);
        _acceptLoop = AcceptLoopAsync(_listener);
    }

    public override async Task StopAcceptingAsync()
    {
        if (_listener is null)
            return;
        _stopAccepting.Cancel();
        await _listener.DisposeAsync().ConfigureAwait(false);
        await _acceptLoop.ConfigureAwait(false);
    }

    public override async Task DrainAsync(CancellationToken cancellationToken)
    {
        _stopHandlers.Cancel();
        Task[] running;
        lock (_handlers)
            running = _handlers.ToArray();
        try
        {
            await Task.WhenAll(running).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout: the handlers still running keep their links until they return.
        }
    }

    private async Task AcceptLoopAsync(ChannelListener<TLink> listener)
    {
        try
        {
            await foreach (TLink link in listener.AcceptAllAsync(_stopAccepting.Token).ConfigureAwait(false))
                Track(ServeAsync(link));
        }
        catch (OperationCanceledException) when (_stopAccepting.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException) when (_stopAccepting.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // The listener itself failed: nothing more is accepted; the host is told through the log.
            if (_logger is not null)
                LogAcceptFailed(_logger, ex, typeof(TLink).Name, listener.Endpoint);
        }
    }

    private void Track(Task handler)
    {
        lock (_handlers)
            _handlers.Add(handler);
        _ = handler.ContinueWith(
            static (done, state) =>
            {
                var handlers = (HashSet<Task>)state!;
                lock (handlers)
                    handlers.Remove(done);
            },
            _handlers,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task ServeAsync(TLink link)
    {
        await Task.Yield();
        try
        {
            await using (link.ConfigureAwait(false))
            {
                AsyncServiceScope scope = _services!.CreateAsyncScope();
                await using (scope.ConfigureAwait(false))
                {
                    THandler handler = scope.ServiceProvider.GetRequiredService<THandler>();
                    await handler.HandleAsync(link, _stopHandlers.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_stopHandlers.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            if (_logger is not null)
                LogHandlerFailed(_logger, ex, typeof(THandler).Name, typeof(TLink).Name);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Listening for {Contract} at {Endpoint}; links served by {Handler}")]
    private static partial void LogListening(ILogger logger, string contract, string endpoint, string handler);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "The listener for {Contract} at {Endpoint} failed; it accepts no more links")]
    private static partial void LogAcceptFailed(ILogger logger, Exception exception, string contract, string endpoint);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Handler {Handler} failed serving a {Contract} link; the link is closed")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string handler, string contract);
}
