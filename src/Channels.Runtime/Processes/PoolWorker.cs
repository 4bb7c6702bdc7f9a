using System.Runtime.CompilerServices;
using Channels.Contracts;

namespace Channels;

/// <summary>The child side of a <see cref="ProcessPool"/>: serves chunks one after another with the registered functions.</summary>
internal static class PoolWorker
{
    // The runtime registers its own child entry, as generated code does for the user's: a worker must find it before
    // anything else in the runtime runs, and without reflection.
#pragma warning disable CA2255 // ModuleInitializer in a library: this is the registration the generator emits elsewhere.
    [ModuleInitializer]
    internal static void Register()
        => ChildEntryRegistry.Register(typeof(PoolWorker).FullName + "." + nameof(RunAsync), static async context =>
        {
            PoolWorkerContract.Peer pool = await context.ConnectPeerAsync(PoolWorkerContract.Instance).ConfigureAwait(false);
            await using (pool.ConfigureAwait(false))
                await RunAsync(pool, context.CancellationToken).ConfigureAwait(false);
            return 0;
        });
#pragma warning restore CA2255

    /// <summary>Serves bundles of chunks, one chunk after another, until the pool completes the lane (close) or goes away.</summary>
    [ChildEntry]
    internal static Task RunAsync(PoolWorkerContract.Peer pool, CancellationToken cancellationToken)
        => pool.Chunks.ServeAsync(static async (bundle, token) =>
        {
            if (!PoolFunctionRegistry.TryGet(bundle.Function, out PoolFunctionInvoker? invoker))
                throw new InvalidOperationException($"Pool function '{bundle.Function}' is not registered in this program. Mark the method [PoolFunction] and start the pool from the program that contains it (ProcessPoolOptions.Child.ExecutablePath).");
            var replies = new byte[bundle.Chunks.Length][];
            for (int i = 0; i < replies.Length; i++)
                replies[i] = await invoker.InvokeAsync(bundle.Chunks[i], token).ConfigureAwait(false);
            return PoolBundle.JoinReplies(replies);
        }, maxConcurrency: 1, cancellationToken);
}
