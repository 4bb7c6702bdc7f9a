using System.Diagnostics.CodeAnalysis;

namespace Channels.Contracts;

/// <summary>
/// The <see cref="ChildEntryAttribute">[ChildEntry]</see> methods of the loaded assemblies, registered by generated
/// module initializers, so that a child finds its entry by name without reflection.
/// </summary>
public static class ChildEntryRegistry
{
    private static readonly Dictionary<string, ChildEntryInvoker> s_entries = new(StringComparer.Ordinal);

    /// <summary>Registers an entry under its name (<c>Namespace.Type.Method</c>, nested types joined with '+'); called by generated code.</summary>
    /// <exception cref="InvalidOperationException">Another entry is registered under the same name.</exception>
    public static void Register(string name, ChildEntryInvoker invoker)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(invoker);
        lock (s_entries)
        {
            if (s_entries.TryGetValue(name, out var existing) && existing.Method != invoker.Method)
                throw new InvalidOperationException($"Two child entries are registered under the name '{name}'.");
            s_entries[name] = invoker;
        }
    }

    /// <summary>Finds the entry registered under <paramref name="name"/>.</summary>
    public static bool TryGet(string name, [MaybeNullWhen(false)] out ChildEntryInvoker invoker)
    {
        lock (s_entries)
            return s_entries.TryGetValue(name, out invoker);
    }
}
