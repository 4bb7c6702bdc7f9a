namespace Channels.Generators.Tests.Infrastructure;

/// <summary>
/// The child-entry surface of GENERATED_SHAPE.md (ChildEntryRegistry, ChildEntryInvoker, ChildEntryContext) is
/// written by the runtime side. Until the referenced runtime has it, tests that compile child-entry registries
/// add this declaration of the same shape to the user compilation; once the runtime has it, nothing is added.
/// </summary>
internal static class RuntimeShims
{
    private const string ChildEntrySurface = """
        namespace Channels.Contracts
        {
            public delegate System.Threading.Tasks.Task<int> ChildEntryInvoker(ChildEntryContext context);

            public static class ChildEntryRegistry
            {
                public static readonly System.Collections.Generic.Dictionary<string, ChildEntryInvoker> Entries = new();
                public static void Register(string name, ChildEntryInvoker invoker) => Entries.Add(name, invoker);
            }

            public abstract class ChildEntryContext
            {
                public abstract System.Threading.CancellationToken CancellationToken { get; }
                public abstract System.Threading.Tasks.ValueTask<TPeer> ConnectPeerAsync<TOpener, TPeer>(LinkContract<TOpener, TPeer> contract)
                    where TOpener : class, System.IAsyncDisposable where TPeer : class, System.IAsyncDisposable;
                public abstract System.Threading.Tasks.ValueTask<TContract> OpenQueueAsync<TContract>(QueueContract<TContract> contract)
                    where TContract : class, System.IAsyncDisposable;
                public abstract T GetArgument<T>();
            }
        }
        """;

    public static bool RuntimeHasChildEntrySurface
        => typeof(Channels.ChannelContractAttribute).Assembly.GetType("Channels.Contracts.ChildEntryRegistry") is not null;

    /// <summary>The sources plus, when the runtime lacks it, the child-entry surface.</summary>
    public static (string Path, string Text)[] WithChildEntrySurface(params (string Path, string Text)[] sources)
    {
        if (RuntimeHasChildEntrySurface)
            return sources;
        var all = new List<(string, string)>(sources) { ("/src/ChildEntrySurface.cs", ChildEntrySurface) };
        return all.ToArray();
    }
}
