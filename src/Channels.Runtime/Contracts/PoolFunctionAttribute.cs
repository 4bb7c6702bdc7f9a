namespace Channels;

/// <summary>
/// Marks a static method as a function that <see cref="ProcessPool"/> can run in its worker processes. The method
/// takes one serializable argument and returns a serializable result (<c>TResult F(TArg)</c>), or runs
/// asynchronously with the call's token (<c>Task&lt;TResult&gt; F(TArg, CancellationToken)</c>). The generator
/// registers every such method at compile time, so a worker finds it by name without reflection; passing a lambda,
/// an instance method or an unmarked method to the pool is a compile error (CHN016).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class PoolFunctionAttribute : Attribute
{
}
