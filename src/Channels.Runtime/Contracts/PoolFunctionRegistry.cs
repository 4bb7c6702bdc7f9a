using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Channels.Contracts;

/// <summary>
/// The <see cref="PoolFunctionAttribute">[PoolFunction]</see> methods of the loaded assemblies, registered by generated
/// module initializers, so that a pool worker finds a function by name without reflection.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class PoolFunctionRegistry
{
    private static readonly Dictionary<string, PoolFunctionInvoker> s_functions = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<MethodInfo, string> s_names = new();

    /// <summary>Registers a synchronous function under its name (<c>Namespace.Type.Method</c>, nested types joined with '+'); called by generated code.</summary>
    /// <exception cref="InvalidOperationException">Another function is registered under the same name.</exception>
    public static void Register<TArg, TResult>(string name, Func<TArg, TResult> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        Add(name, new PoolFunctionInvoker<TArg, TResult>(name, function.Method, function, null));
    }

    /// <summary>Registers an asynchronous function under its name; called by generated code.</summary>
    /// <exception cref="InvalidOperationException">Another function is registered under the same name.</exception>
    public static void Register<TArg, TResult>(string name, Func<TArg, CancellationToken, Task<TResult>> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        Add(name, new PoolFunctionInvoker<TArg, TResult>(name, function.Method, null, function));
    }

    internal static bool TryGet(string name, [MaybeNullWhen(false)] out PoolFunctionInvoker invoker)
    {
        lock (s_functions)
            return s_functions.TryGetValue(name, out invoker);
    }

    /// <summary>The registry name of <paramref name="function"/>, checked to be a static [PoolFunction] method.</summary>
    /// <exception cref="ArgumentException">It is a lambda, an instance method or not marked [PoolFunction].</exception>
    internal static string NameOf(Delegate function)
    {
        ArgumentNullException.ThrowIfNull(function);
        MethodInfo method = function.Method;
        if (s_names.TryGetValue(method, out string? known))
            return known;
        if (!method.IsStatic || method.DeclaringType is null || !method.IsDefined(typeof(PoolFunctionAttribute), inherit: false))
            throw new ArgumentException(
                $"The function '{method.DeclaringType?.Name}.{method.Name}' is not a static method marked [PoolFunction]; a pool worker can only run such a method (not a lambda or an instance method).", nameof(function));
        string name = method.DeclaringType.FullName + "." + method.Name;
        s_names[method] = name;
        return name;
    }

    private static void Add(string name, PoolFunctionInvoker invoker)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        lock (s_functions)
        {
            if (s_functions.TryGetValue(name, out PoolFunctionInvoker? existing) && existing.Method != invoker.Method)
                throw new InvalidOperationException($"Two pool functions are registered under the name '{name}'.");
            s_functions[name] = invoker;
        }
    }
}
