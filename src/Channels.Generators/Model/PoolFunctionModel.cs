namespace Channels.Generators.Model;

/// <summary>One [PoolFunction] method, ready to register.</summary>
/// <param name="Key">The registry key: declaring type's reflection full name + "." + method name.</param>
/// <param name="Method">The fully qualified method to register.</param>
/// <param name="ArgumentType">The argument's type, fully qualified with annotations.</param>
/// <param name="ResultType">The result's type (for <c>Task&lt;T&gt;</c> functions, T), fully qualified with annotations.</param>
internal sealed record PoolFunctionModel(string Key, string Method, string ArgumentType, string ResultType);
