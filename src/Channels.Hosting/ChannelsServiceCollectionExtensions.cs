using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Channels.Hosting;

/// <summary>Registers Channels listeners, queues and child processes with a <c>Microsoft.Extensions.Hosting</c> host.</summary>
public static class ChannelsServiceCollectionExtensions
{
    /// <summary>
    /// Registers a listener, started with the host by <paramref name="listen"/> (for example
    /// <c>_ => IWorker.Listen("worker-1")</c>), whose accepted links are each served by a
    /// <typeparamref name="THandler"/> resolved in a scope of its own. <typeparamref name="THandler"/> is registered as
    /// scoped unless it is registered already. On host stop the listener stops accepting, the handlers' token fires and
    /// the host waits (within its shutdown timeout) for every link to complete.
    /// </summary>
    /// <typeparam name="TLink">The contract interface (the listener's view of each link).</typeparam>
    /// <typeparam name="THandler">The handler that serves one link.</typeparam>
    public static IServiceCollection AddChannelListener<TLink, THandler>(this IServiceCollection services, Func<IServiceProvider, ChannelListener<TLink>> listen)
        where TLink : class, IAsyncDisposable
        where THandler : class, IChannelLinkHandler<TLink>
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(listen);
        AddChannelsHost(services);
        services.TryAddScoped<THandler>();
        services.AddSingleton<ListenerRegistration>(new ListenerRegistration<TLink, THandler>(listen));
        return services;
    }

    /// <summary>
    /// Registers a queue contract as an injectable singleton made by <paramref name="createOrOpen"/> when the host
    /// starts: <c>_ => IJobBoard.Create("jobs")</c> to host the queues in this process, <c>_ => IJobBoard.Open("jobs")</c>
    /// to use queues another process hosts. It is disposed with the service provider, after the host has stopped
    /// its listeners and children.
    /// </summary>
    /// <typeparam name="TContract">The queue contract interface.</typeparam>
    public static IServiceCollection AddChannelQueue<TContract>(this IServiceCollection services, Func<IServiceProvider, TContract> createOrOpen)
        where TContract : class, IAsyncDisposable
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(createOrOpen);
        AddChannelsHost(services);
        services.AddSingleton(createOrOpen);
        services.AddSingleton(new QueueRegistration(typeof(TContract)));
        return services;
    }

    /// <summary>
    /// Registers the host's <see cref="ChildProcessGroup"/>: children added to it are stopped when the host stops,
    /// after the listeners. (Every other registration here adds it too.)
    /// </summary>
    public static IServiceCollection AddChannelChildProcesses(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        AddChannelsHost(services);
        return services;
    }

    private static void AddChannelsHost(IServiceCollection services)
    {
        services.TryAddSingleton<ChildProcessGroup>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ChannelsHost>());
    }
}
